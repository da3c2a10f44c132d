//! `steward audit verify` as an operator runs it: on an untouched log it reports OK with the
//! count; after an entry is edited straight in the database it names that entry and exits
//! non-zero. On SQLite always, on PostgreSQL when `STEWARD_TEST_POSTGRES_URL` is set.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

use std::process::{Command, Output};

const STEWARD: &str = env!("CARGO_BIN_EXE_steward");

fn steward(store: &[String], args: &[&str]) -> Output {
    Command::new(STEWARD)
        .args(args)
        .args(store)
        .env("USER", "tester")
        .env_remove("STEWARD_DATA_DIR")
        .env_remove("STEWARD_DATABASE_URL")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn sql(url: &str, statements: &[&str]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

/// Three audited changes from the CLI, a clean verify, an edit in SQL, a broken verify.
async fn verify_names_the_edited_entry(store: Vec<String>, url: &str, drop_guard: &[&str]) {
    for args in [
        &["enroll", "create", "--note", "lab"][..],
        &["user", "add", "carol", "--role", "auditor"],
        &["token", "create", "--role", "operator", "--name", "ci"],
    ] {
        let output = steward(&store, args);
        assert!(output.status.success(), "{args:?}: {output:?}");
    }

    let clean = steward(&store, &["audit", "verify"]);
    assert!(clean.status.success(), "{clean:?}");
    assert_eq!(stdout(&clean), "audit log OK: 3 entries, chain intact\n");

    let export = steward(&store, &["audit", "export"]);
    let lines: Vec<serde_json::Value> = stdout(&export)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["action"], "user.create");
    assert_eq!(lines[1]["actor"], "cli:tester");

    let mut statements = drop_guard.to_vec();
    statements.push("UPDATE audit_log SET after_json = '{\"name\":\"mallory\"}' WHERE id = 2");
    sql(url, &statements).await;
    let broken = steward(&store, &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let report = stdout(&broken);
    assert!(
        report.starts_with("audit log BROKEN at entry 2:"),
        "{report}"
    );
}

#[tokio::test]
async fn audit_verify_names_an_entry_edited_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let url = format!("sqlite://{}/steward.db", data);
    let guard = [
        "DROP TRIGGER audit_log_refuses_update",
        "DROP TRIGGER audit_log_refuses_delete",
    ];
    verify_names_the_edited_entry(vec!["--data-dir".into(), data], &url, &guard).await;
}

#[tokio::test]
async fn audit_verify_names_an_entry_edited_in_postgres() {
    let Ok(admin_url) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        eprintln!("PostgreSQL skipped, STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = format!("steward_cli_{}", uuid::Uuid::now_v7().simple());
    sql(&admin_url, &[&format!("CREATE DATABASE {database}")]).await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{database}");

    let guard = ["DROP TRIGGER audit_log_refuses_change ON audit_log"];
    let store = vec!["--database-url".to_owned(), url.clone()];
    let outcome = tokio::spawn({
        let url = url.clone();
        async move { verify_names_the_edited_entry(store, &url, &guard).await }
    })
    .await;

    sql(
        &admin_url,
        &[&format!("DROP DATABASE {database} WITH (FORCE)")],
    )
    .await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}
