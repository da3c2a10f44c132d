//! The store's conformance suite: every case runs on SQLite (a fresh temporary directory) and,
//! when `STEWARD_TEST_POSTGRES_URL` names a PostgreSQL database whose role may create
//! databases, on PostgreSQL too, each case in a database of its own that is dropped after it.

#![expect(
    clippy::unwrap_used,
    reason = "cases are tests: a failed store call fails them"
)]

use std::future::Future;

use jiff::Timestamp;
use sqlx::Row;
use steward_api::access::{Role, UserSource};
use steward_api::assessment::{FindingFilter, FindingMatch, HostLifecycle};
use steward_api::resources::{HostFilter, PackageFilter, PageRequest, SoftwareFilter};
use steward_core::assessment::advisory::{Advisory, Affected, Event, Range, RangeKind};
use steward_core::assessment::finding::{Decision, FindingFacts, FindingState, Status};
use steward_core::assessment::lifecycle::{EolDate, LifecycleCycle, LifecycleProduct};
use steward_core::assessment::priority::{Level, Priority, SeverityFacts};
use steward_core::inventory::diff::Change;
use steward_core::inventory::identity::{HostIdentifiers, KnownHost};
use steward_core::inventory::{
    HostFacts, InstalledPackage, NetworkInterface, OsRelease, PackageSource, PendingUpdate, Section,
};
use steward_store::{
    Actor, AssessmentStore, DeviceBinding, FactsSection, FeedImport, FindingWrite, InventoryUpdate,
    KevRecord, NewApiToken, NewSession, NewUser, PackageName, SqlStore, Store, StoreError,
};

#[path = "conformance/assets.rs"]
mod assets;
use assets::*;

/// One database a case runs on.
struct TestDb {
    store: SqlStore,
    url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// The store, as the server sees it.
    fn store(&self) -> &dyn Store {
        &self.store
    }

    /// A second store on the same database, with connections of its own.
    async fn open_another(&self) -> SqlStore {
        SqlStore::connect(&self.url)
            .await
            .expect("second connection")
    }

    /// Rows in one table, read straight from the database.
    async fn count(&self, table: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.url)
            .await
            .expect("connect for counting");
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        row.get("n")
    }
}

async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqlStore::open_data_dir(&dir.path().join("data"))
        .await
        .expect("open sqlite");
    let url = format!("sqlite://{}", dir.path().join("data/steward.db").display());
    case(TestDb {
        store,
        url,
        _dir: Some(dir),
    })
    .await;
}

async fn on_postgres<F, Fut>(name: &str, case: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(admin_url) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        eprintln!("{name}: PostgreSQL skipped, STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    sqlx::any::install_default_drivers();
    let database = format!("steward_test_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::AnyPool::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    let create = format!("CREATE DATABASE {database}");
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&admin)
        .await
        .expect("create database");

    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    let url = format!("{base}/{database}");
    let store = SqlStore::connect(&url).await.expect("open postgres");
    let outcome = tokio::spawn(case(TestDb {
        store,
        url,
        _dir: None,
    }))
    .await;

    let drop = format!("DROP DATABASE {database} WITH (FORCE)");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&admin)
        .await
        .expect("drop database");
    admin.close().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// Runs each case on SQLite, and on PostgreSQL when it is configured.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::on_sqlite(|db| async move { super::$case(&db).await }).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let case = |db: super::TestDb| async move {
                        super::$case(&db).await;
                        db.store.close().await;
                    };
                    super::on_postgres(stringify!($case), case).await;
                }
            )*
        }
    };
}

conformance!(
    enrollment_tokens_are_found_listed_and_revoked,
    third_party_devices_are_bound_once_and_revoked_with_their_host,
    agent_credentials_name_their_host_until_revoked,
    identity_candidates_are_found_by_each_kind_of_identifier,
    first_inventory_stores_each_distinct_package_once,
    unchanged_reinventory_writes_no_history,
    package_changes_become_history,
    fact_changes_become_history,
    a_document_applied_twice_changes_nothing,
    pending_updates_are_replaced_only_when_carried,
    manual_and_agent_tags_are_listed_and_filtered,
    host_list_filters_and_pages_without_gaps,
    software_versions_are_ordered_by_the_ecosystems_rules,
    merging_a_review_folds_the_host_into_its_candidate,
    keeping_a_review_separate_leaves_both_hosts,
    the_same_document_applied_concurrently_counts_once,
    changes_are_audited_in_a_chain_that_verifies,
    an_audit_entry_edited_in_the_database_is_named_by_verify,
    a_deleted_audit_entry_is_named_by_verify,
    concurrent_appends_from_two_stores_keep_one_chain,
    users_sign_in_through_sessions_that_end,
    directory_users_have_no_password_and_follow_their_groups_role,
    a_directory_users_first_sign_ins_at_once_make_one_user,
    disabling_a_user_ends_their_sessions,
    login_failures_are_counted_per_name_and_address,
    api_tokens_work_until_revoked_or_expired,
    a_feed_is_replaced_whole_and_names_the_packages_that_changed,
    findings_carry_verdicts_that_are_audited_and_filtered,
    findings_are_found_by_the_advisories_they_name_after_every_rewrite,
    a_job_is_claimed_by_one_worker_at_a_time,
    an_application_import_shares_package_rows_with_hosts,
    reimporting_an_application_replaces_components_with_history,
    assets_are_created_updated_and_kept_unique,
);

// Fixtures.

fn admin() -> Actor {
    Actor::User("alice".to_owned())
}

fn at(hours: i64) -> Timestamp {
    Timestamp::from_second(1_750_000_000 + hours * 3600).expect("valid time")
}

fn facts(hostname: &str, os: (&str, &str), serial: &str) -> HostFacts {
    let mut facts = HostFacts {
        hostname: hostname.to_owned(),
        fqdn: Some(format!("{hostname}.example.org")),
        os: OsRelease {
            id: Some(os.0.to_owned()),
            version_id: Some(os.1.to_owned()),
            pretty_name: Some(format!("{} {}", os.0, os.1)),
            ..OsRelease::default()
        },
        kernel: Some("6.1.0-18-amd64".to_owned()),
        arch: Some("x86_64".to_owned()),
        ..HostFacts::default()
    };
    facts.dmi.serial = Some(serial.to_owned());
    facts.interfaces.push(NetworkInterface {
        name: "eth0".to_owned(),
        mac: Some(format!("52:54:00:00:00:{:02x}", serial.len())),
        addresses: vec!["198.51.100.7/24".to_owned()],
        virtual_device: false,
    });
    facts
}

fn pkg(name: &str, version: &str) -> InstalledPackage {
    InstalledPackage {
        ecosystem: "Debian".to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        arch: "amd64".to_owned(),
        source_name: Some(name.to_owned()),
        source_version: Some(version.to_owned()),
        source: PackageSource::Dpkg,
        status: "installed".to_owned(),
    }
}

fn pending(name: &str, candidate: &str, security: bool) -> PendingUpdate {
    PendingUpdate {
        name: name.to_owned(),
        arch: "amd64".to_owned(),
        installed_version: "1.0".to_owned(),
        candidate_version: candidate.to_owned(),
        origin: if security {
            "bookworm-security"
        } else {
            "bookworm"
        }
        .to_owned(),
        security,
    }
}

fn packages_update(document_id: &str, packages: Vec<InstalledPackage>) -> InventoryUpdate {
    InventoryUpdate {
        document_id: document_id.to_owned(),
        digests: [(Section::Packages, format!("digest-{document_id}"))].into(),
        packages: Some(packages),
        ..InventoryUpdate::default()
    }
}

fn facts_update(document_id: &str, facts: HostFacts, tags: &[&str]) -> InventoryUpdate {
    InventoryUpdate {
        document_id: document_id.to_owned(),
        digests: [(Section::Facts, format!("digest-{document_id}"))].into(),
        facts: Some(FactsSection {
            facts,
            sources: Vec::new(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }),
        ..InventoryUpdate::default()
    }
}

async fn new_host(store: &dyn Store, hostname: &str, os: (&str, &str), now: Timestamp) -> i64 {
    let facts = facts(hostname, os, &format!("SN-{hostname}"));
    let ids = HostIdentifiers::from_facts(&facts);
    store
        .create_host(&ids, &facts, now)
        .await
        .expect("create host")
}

async fn history(store: &dyn Store, host: i64) -> Vec<Change> {
    let page = PageRequest {
        limit: Some(500),
        cursor: None,
    };
    let page = store.host_history(host, &page).await.expect("history");
    page.items.into_iter().map(|e| e.change).collect()
}

async fn package_versions(store: &dyn Store, host: i64) -> Vec<(String, String)> {
    let page = PageRequest {
        limit: Some(500),
        cursor: None,
    };
    let page = store
        .host_packages(host, &PackageFilter::default(), &page)
        .await
        .expect("list");
    page.items
        .into_iter()
        .map(|p| (p.name, p.version))
        .collect()
}

fn upgraded(name: &str, from: &str, to: &str) -> Change {
    Change::PackageUpgraded {
        ecosystem: "Debian".into(),
        name: name.into(),
        arch: "amd64".into(),
        from: from.into(),
        to: to.into(),
    }
}

// Cases.

async fn enrollment_tokens_are_found_listed_and_revoked(db: &TestDb) {
    let store = db.store();
    let first = store
        .create_enrollment_token("hash-1", "lab", &admin(), at(0))
        .await
        .unwrap()
        .id;
    let second = store
        .create_enrollment_token("hash-2", "office", &admin(), at(1))
        .await
        .unwrap()
        .id;

    let found = store
        .active_enrollment_token("hash-1")
        .await
        .unwrap()
        .expect("active");
    assert_eq!(
        (found.id, found.note.as_str(), found.created_at),
        (first, "lab", at(0))
    );
    assert_eq!(store.active_enrollment_token("hash-3").await.unwrap(), None);
    let listed: Vec<i64> = store
        .list_enrollment_tokens()
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(listed, vec![second, first]);

    assert!(
        store
            .revoke_enrollment_token(first, &admin(), at(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_enrollment_token(first, &admin(), at(3))
            .await
            .unwrap()
    );
    assert_eq!(store.active_enrollment_token("hash-1").await.unwrap(), None);
    let revoked = store.list_enrollment_tokens().await.unwrap();
    assert_eq!(revoked[1].revoked_at, Some(at(2)));
}

async fn agent_credentials_name_their_host_until_revoked(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    store
        .create_agent_credential(host, "cred-a", at(0))
        .await
        .unwrap();
    store
        .create_agent_credential(host, "cred-b", at(0))
        .await
        .unwrap();

    assert_eq!(
        store.host_for_credential("cred-a", at(1)).await.unwrap(),
        Some(host)
    );
    assert_eq!(
        store.host_for_credential("unknown", at(1)).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .revoke_agent_credentials(host, &admin(), at(2))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .revoke_agent_credentials(host, &admin(), at(3))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.host_for_credential("cred-a", at(4)).await.unwrap(),
        None
    );
}

async fn third_party_devices_are_bound_once_and_revoked_with_their_host(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let other = new_host(store, "web-02", ("debian", "12"), at(0)).await;
    assert_eq!(store.device_binding("ocs:web-01-x").await.unwrap(), None);
    assert!(!store.host_agents_revoked(host).await.unwrap());

    store
        .bind_device(host, "ocs:web-01-x", at(1))
        .await
        .unwrap();
    // Binding again, even to another host, keeps the first binding.
    store
        .bind_device(other, "ocs:web-01-x", at(2))
        .await
        .unwrap();
    let live = DeviceBinding {
        host_id: host,
        revoked: false,
    };
    assert_eq!(
        store.device_binding("ocs:web-01-x").await.unwrap(),
        Some(live)
    );
    // A device key is never a bearer credential.
    assert_eq!(
        store
            .host_for_credential("ocs:web-01-x", at(3))
            .await
            .unwrap(),
        None
    );

    assert_eq!(
        store
            .revoke_agent_credentials(host, &admin(), at(4))
            .await
            .unwrap(),
        1
    );
    let revoked = DeviceBinding {
        host_id: host,
        revoked: true,
    };
    assert_eq!(
        store.device_binding("ocs:web-01-x").await.unwrap(),
        Some(revoked)
    );
    assert!(store.host_agents_revoked(host).await.unwrap());
    assert!(!store.host_agents_revoked(other).await.unwrap());

    // An agent enrolling again gives the host a live credential: new devices may report.
    store
        .create_agent_credential(host, "cred-new", at(5))
        .await
        .unwrap();
    assert!(!store.host_agents_revoked(host).await.unwrap());
}

async fn identity_candidates_are_found_by_each_kind_of_identifier(db: &TestDb) {
    let store = db.store();
    let full = HostIdentifiers {
        machine_id: Some("0123456789abcdef0123456789abcdef".into()),
        dmi_uuid: Some("4c4c4544-0042-3010-8052-b4c04f4e4e31".into()),
        serial: Some("CZJ1234567".into()),
        hostname: Some("db-01".into()),
        macs: vec!["52:54:00:aa:bb:01".into(), "52:54:00:aa:bb:02".into()],
    };
    let host = store
        .create_host(&full, &HostFacts::default(), at(0))
        .await
        .unwrap();
    let other = HostIdentifiers {
        hostname: Some("db-02".into()),
        ..HostIdentifiers::default()
    };
    store
        .create_host(&other, &HostFacts::default(), at(0))
        .await
        .unwrap();

    let expected = vec![KnownHost {
        id: host,
        identifiers: full.clone(),
    }];
    let probes = [
        HostIdentifiers {
            machine_id: full.machine_id.clone(),
            ..Default::default()
        },
        HostIdentifiers {
            dmi_uuid: full.dmi_uuid.clone(),
            ..Default::default()
        },
        HostIdentifiers {
            serial: full.serial.clone(),
            ..Default::default()
        },
        HostIdentifiers {
            hostname: full.hostname.clone(),
            ..Default::default()
        },
        HostIdentifiers {
            macs: vec!["52:54:00:aa:bb:02".into()],
            ..Default::default()
        },
    ];
    for probe in probes {
        assert_eq!(
            store.identity_candidates(&probe).await.unwrap(),
            expected,
            "{probe:?}"
        );
    }
    let stranger = HostIdentifiers {
        serial: Some("OTHER".into()),
        ..Default::default()
    };
    assert_eq!(store.identity_candidates(&stranger).await.unwrap(), vec![]);
    assert_eq!(
        store
            .identity_candidates(&HostIdentifiers::default())
            .await
            .unwrap(),
        vec![]
    );
}

async fn first_inventory_stores_each_distinct_package_once(db: &TestDb) {
    let store = db.store();
    let a = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let b = new_host(store, "web-02", ("debian", "12"), at(0)).await;
    let shared = vec![
        pkg("bash", "5.2.15-2+b2"),
        pkg("curl", "7.88.1-10"),
        pkg("zlib1g", "1:1.2.13"),
    ];
    let mut b_packages = shared.clone();
    b_packages.push(pkg("nginx", "1.22.1-9"));

    let outcome = store
        .apply_inventory(a, &packages_update("a1", shared), at(1))
        .await
        .unwrap();
    assert_eq!((outcome.changes, outcome.duplicate), (0, false));
    store
        .apply_inventory(b, &packages_update("b1", b_packages), at(1))
        .await
        .unwrap();

    assert_eq!(db.count("packages").await, 4);
    assert_eq!(db.count("host_packages").await, 7);
    assert_eq!(
        db.count("host_events").await,
        0,
        "a first inventory is the baseline"
    );
    let host = store.host(b).await.unwrap().expect("host");
    assert_eq!(host.summary.package_count, 4);
    assert_eq!(host.summary.last_seen, at(1));
    let digests = store.section_digests(b).await.unwrap();
    assert_eq!(
        digests,
        [(Section::Packages, "digest-b1".to_owned())].into()
    );
}

async fn unchanged_reinventory_writes_no_history(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let packages = vec![pkg("bash", "5.2.15-2+b2"), pkg("curl", "7.88.1-10")];
    let facts = facts("web-01", ("debian", "12"), "SN-web-01");
    store
        .apply_inventory(host, &packages_update("d1", packages.clone()), at(1))
        .await
        .unwrap();
    store
        .apply_inventory(host, &facts_update("d2", facts.clone(), &[]), at(1))
        .await
        .unwrap();

    let again = store
        .apply_inventory(host, &packages_update("d3", packages), at(2))
        .await
        .unwrap();
    let facts_again = store
        .apply_inventory(host, &facts_update("d4", facts, &[]), at(2))
        .await;
    assert_eq!(again.changes, 0);
    assert_eq!(facts_again.unwrap().changes, 0);
    assert_eq!(db.count("host_events").await, 0);
    assert_eq!(
        store
            .host(host)
            .await
            .unwrap()
            .expect("host")
            .summary
            .last_seen,
        at(2)
    );
}

async fn package_changes_become_history(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let before = vec![
        pkg("bash", "5.2-1"),
        pkg("curl", "7.88"),
        pkg("vim", "9.0"),
        pkg("zsh", "5.9"),
    ];
    store
        .apply_inventory(host, &packages_update("p1", before), at(1))
        .await
        .unwrap();

    let after = vec![
        pkg("bash", "5.2-2"),
        pkg("curl", "7.74"),
        pkg("nano", "7.2"),
        pkg("zsh", "5.9"),
    ];
    let outcome = store
        .apply_inventory(host, &packages_update("p2", after), at(2))
        .await
        .unwrap();

    assert_eq!(outcome.changes, 4);
    let mut changes = history(store, host).await;
    changes.sort_by_key(|c| format!("{c:?}"));
    let expected = |kind: &str, name: &str| {
        changes
            .iter()
            .any(|c| format!("{c:?}").starts_with(kind) && format!("{c:?}").contains(name))
    };
    assert!(
        changes.contains(&upgraded("bash", "5.2-1", "5.2-2")),
        "{changes:?}"
    );
    assert!(expected("PackageDowngraded", "\"curl\""), "{changes:?}");
    assert!(expected("PackageAdded", "\"nano\""), "{changes:?}");
    assert!(expected("PackageRemoved", "\"vim\""), "{changes:?}");
    assert_eq!(
        package_versions(store, host).await,
        [
            ("bash", "5.2-2"),
            ("curl", "7.74"),
            ("nano", "7.2"),
            ("zsh", "5.9")
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
    );
    assert_eq!(
        store
            .host(host)
            .await
            .unwrap()
            .expect("host")
            .summary
            .package_count,
        4
    );

    let first = store
        .host_history(
            host,
            &PageRequest {
                limit: Some(3),
                cursor: None,
            },
        )
        .await;
    let first = first.unwrap();
    let rest = PageRequest {
        limit: Some(3),
        cursor: first.next_cursor.clone(),
    };
    let rest = store.host_history(host, &rest).await.unwrap();
    assert_eq!(
        (first.items.len(), rest.items.len(), rest.next_cursor),
        (3, 1, None)
    );
    assert!(first.items[2].id > rest.items[0].id, "newest first");
}

async fn fact_changes_become_history(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let mut facts = facts("web-01", ("debian", "12"), "SN-web-01");
    store
        .apply_inventory(host, &facts_update("f1", facts.clone(), &[]), at(1))
        .await
        .unwrap();

    facts.kernel = Some("6.1.0-21-amd64".to_owned());
    facts.os.version_id = Some("12.5".to_owned());
    let outcome = store
        .apply_inventory(host, &facts_update("f2", facts, &[]), at(2))
        .await;

    assert_eq!(outcome.unwrap().changes, 2);
    let changes = history(store, host).await;
    let kernel = Change::FactChanged {
        field: "kernel".into(),
        from: Some("6.1.0-18-amd64".into()),
        to: Some("6.1.0-21-amd64".into()),
    };
    assert!(changes.contains(&kernel), "{changes:?}");
    let summary = store.host(host).await.unwrap().expect("host").summary;
    assert_eq!(summary.os_version.as_deref(), Some("12.5"));
}

async fn a_document_applied_twice_changes_nothing(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    store
        .apply_inventory(
            host,
            &packages_update("base", vec![pkg("bash", "1")]),
            at(1),
        )
        .await
        .unwrap();
    let update = packages_update("up", vec![pkg("bash", "2")]);
    let first = store.apply_inventory(host, &update, at(2)).await.unwrap();

    assert!(!store.document_seen(host, "other").await.unwrap());
    assert!(store.document_seen(host, "up").await.unwrap());
    let second = store.apply_inventory(host, &update, at(3)).await.unwrap();

    assert_eq!((first.changes, first.duplicate), (1, false));
    assert_eq!((second.changes, second.duplicate), (0, true));
    assert_eq!(history(store, host).await, vec![upgraded("bash", "1", "2")]);
    assert_eq!(
        store
            .host(host)
            .await
            .unwrap()
            .expect("host")
            .summary
            .last_seen,
        at(2)
    );
}

async fn pending_updates_are_replaced_only_when_carried(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let with = |doc: &str, updates: Option<Vec<PendingUpdate>>| InventoryUpdate {
        document_id: doc.to_owned(),
        pending_updates: updates,
        ..InventoryUpdate::default()
    };
    let two = vec![
        pending("openssl", "3.0.13", true),
        pending("tzdata", "2024a", false),
    ];
    store
        .apply_inventory(host, &with("u1", Some(two)), at(1))
        .await
        .unwrap();
    store
        .apply_inventory(host, &with("u2", None), at(2))
        .await
        .unwrap();

    let summary = store.host(host).await.unwrap().expect("host").summary;
    assert_eq!(
        (summary.pending_update_count, summary.security_update_count),
        (2, 1)
    );
    let names: Vec<String> = store
        .host_updates(host)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["openssl", "tzdata"]);

    let one = vec![pending("curl", "7.88.2", false)];
    store
        .apply_inventory(host, &with("u3", Some(one)), at(3))
        .await
        .unwrap();
    let summary = store.host(host).await.unwrap().expect("host").summary;
    assert_eq!(
        (summary.pending_update_count, summary.security_update_count),
        (1, 0)
    );
    let updates = store.host_updates(host).await.unwrap();
    assert_eq!(
        updates,
        vec![steward_api::resources::HostUpdate {
            name: "curl".into(),
            arch: "amd64".into(),
            installed_version: "1.0".into(),
            candidate_version: "7.88.2".into(),
            origin: "bookworm".into(),
            security: false,
        }]
    );
}

async fn manual_and_agent_tags_are_listed_and_filtered(db: &TestDb) {
    let store = db.store();
    let web = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let db_host = new_host(store, "db-01", ("debian", "12"), at(0)).await;
    let facts = facts("web-01", ("debian", "12"), "SN-web-01");
    store
        .apply_inventory(web, &facts_update("t1", facts, &["web", "prod"]), at(1))
        .await
        .unwrap();
    let tags = ["prod".to_owned(), "dmz".to_owned(), "prod".to_owned()];
    assert!(
        store
            .set_manual_tags(web, &tags, &admin(), at(1))
            .await
            .unwrap()
    );
    assert!(
        store
            .set_manual_tags(db_host, &["prod".to_owned()], &admin(), at(1))
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_manual_tags(9999, &["x".to_owned()], &admin(), at(1))
            .await
            .unwrap()
    );

    let host = store.host(web).await.unwrap().expect("host");
    assert_eq!(host.manual_tags, ["dmz", "prod"]);
    assert_eq!(host.summary.tags, ["dmz", "prod", "web"]);
    let facets = store.tag_facets().await.unwrap();
    assert_eq!(
        facets,
        [
            ("dmz".to_owned(), 1),
            ("prod".to_owned(), 2),
            ("web".to_owned(), 1)
        ]
    );

    let filter = HostFilter {
        tag: Some("web".into()),
        ..HostFilter::default()
    };
    let page = store
        .list_hosts(&filter, &PageRequest::default(), at(1))
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![web]
    );
    store
        .set_manual_tags(web, &[], &admin(), at(2))
        .await
        .unwrap();
    assert_eq!(
        store.host(web).await.unwrap().expect("host").summary.tags,
        ["prod", "web"]
    );
}

async fn host_list_filters_and_pages_without_gaps(db: &TestDb) {
    let store = db.store();
    let hosts = [
        ("app_1", ("debian", "12"), 0),
        ("appx1", ("debian", "11"), 10),
        ("DB-01", ("ubuntu", "22.04"), 30),
        ("db-02", ("debian", "12"), 50),
        ("mail", ("debian", "12"), 70),
        ("web-01", ("debian", "12"), 90),
        ("web-02", ("ubuntu", "22.04"), 100),
    ];
    for (name, os, seen) in hosts {
        let id = new_host(store, name, os, at(0)).await;
        store
            .apply_inventory(
                id,
                &facts_update(name, facts(name, os, name), &[]),
                at(seen),
            )
            .await
            .unwrap();
    }
    let names = |filter: HostFilter| async move {
        let page = store
            .list_hosts(&filter, &PageRequest::default(), at(100))
            .await
            .unwrap();
        page.items
            .into_iter()
            .map(|h| h.hostname)
            .collect::<Vec<_>>()
    };

    let q = |q: &str| HostFilter {
        q: Some(q.into()),
        ..HostFilter::default()
    };
    assert_eq!(names(q("WEB")).await, ["web-01", "web-02"]);
    assert_eq!(names(q("db-")).await, ["DB-01", "db-02"]);
    assert_eq!(
        names(q("app_")).await,
        ["app_1"],
        "an underscore is not a wildcard"
    );
    assert_eq!(
        names(q("mail.EXAMPLE")).await,
        ["mail"],
        "the FQDN is searched"
    );
    let os = |os: &str| HostFilter {
        os: Some(os.into()),
        ..HostFilter::default()
    };
    assert_eq!(names(os("ubuntu")).await, ["DB-01", "web-02"]);
    assert_eq!(names(os("debian:11")).await, ["appx1"]);
    let within = HostFilter {
        seen_within_hours: Some(30),
        ..HostFilter::default()
    };
    assert_eq!(names(within).await, ["mail", "web-01", "web-02"]);
    let stale = HostFilter {
        not_seen_for_hours: Some(70),
        ..HostFilter::default()
    };
    let mut stale = names(stale).await;
    stale.sort();
    assert_eq!(
        stale,
        ["DB-01", "app_1", "appx1"],
        "collations differ, so sorted here"
    );

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageRequest {
            limit: Some(2),
            cursor,
        };
        let page = store
            .list_hosts(&HostFilter::default(), &page, at(100))
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|h| h.hostname));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, names(HostFilter::default()).await);
    assert_eq!(seen.len(), 7);
    assert_eq!(store.host_count().await.unwrap(), 7);
    let facets = store.os_facets().await.unwrap();
    assert_eq!(facets[0], ("debian".to_owned(), "11".to_owned(), 1));
    assert_eq!(facets[1], ("debian".to_owned(), "12".to_owned(), 4));
}

async fn software_versions_are_ordered_by_the_ecosystems_rules(db: &TestDb) {
    let store = db.store();
    let mut ids = Vec::new();
    for (name, version) in [("a", "2.0"), ("b", "1:1.0"), ("c", "1.5"), ("d", "2.0")] {
        let id = new_host(store, name, ("debian", "12"), at(0)).await;
        let packages = vec![pkg("openssl", version), pkg("bash", "5.2")];
        store
            .apply_inventory(id, &packages_update(name, packages), at(1))
            .await
            .unwrap();
        ids.push(id);
    }

    let versions = store.software_versions("Debian", "openssl").await.unwrap();
    let order: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(order, ["1:1.0", "2.0", "1.5"]);
    let on_two: Vec<i64> = versions[1].hosts.iter().map(|h| h.id).collect();
    assert_eq!(on_two, [ids[0], ids[3]]);

    let first = store
        .list_software(
            &SoftwareFilter::default(),
            &PageRequest {
                limit: Some(1),
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (first.items[0].name.as_str(), first.items[0].host_count),
        ("bash", 4)
    );
    let next = PageRequest {
        limit: Some(1),
        cursor: first.next_cursor,
    };
    let second = store
        .list_software(&SoftwareFilter::default(), &next)
        .await
        .unwrap();
    assert_eq!(
        (second.items[0].name.as_str(), second.items[0].version_count),
        ("openssl", 3)
    );
    assert_eq!(second.next_cursor, None);
    let filter = SoftwareFilter {
        q: Some("SSL".into()),
        ecosystem: Some("Debian".into()),
    };
    let found = store
        .list_software(&filter, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
}

async fn merging_a_review_folds_the_host_into_its_candidate(db: &TestDb) {
    let store = db.store();
    let old = new_host(store, "web-01", ("debian", "11"), at(0)).await;
    store
        .apply_inventory(old, &packages_update("o1", vec![pkg("bash", "5.1")]), at(1))
        .await
        .unwrap();
    store
        .apply_inventory(old, &packages_update("o2", vec![pkg("bash", "5.2")]), at(2))
        .await
        .unwrap();
    store
        .set_manual_tags(old, &["prod".to_owned()], &admin(), at(2))
        .await
        .unwrap();
    let new = new_host(store, "web-01", ("debian", "12"), at(3)).await;
    store
        .create_agent_credential(new, "cred-new", at(3))
        .await
        .unwrap();
    let packages = vec![pkg("bash", "5.2"), pkg("curl", "7.88")];
    store
        .apply_inventory(new, &packages_update("n1", packages), at(4))
        .await
        .unwrap();
    let review = store
        .add_identity_review(new, old, "hostname only", at(4))
        .await
        .unwrap();

    let open = store.open_identity_reviews().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].id, open[0].host.id, open[0].candidate.id),
        (review, new, old)
    );
    assert!(
        store
            .resolve_identity_review(review, true, &admin(), at(5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .resolve_identity_review(review, true, &admin(), at(6))
            .await
            .unwrap()
    );

    assert!(store.host(new).await.unwrap().is_none());
    let kept = store.host(old).await.unwrap().expect("candidate kept");
    assert_eq!(kept.summary.os_version.as_deref(), Some("12"));
    assert_eq!(
        (kept.summary.first_seen, kept.summary.last_seen),
        (at(0), at(4))
    );
    assert_eq!(kept.summary.package_count, 2);
    assert_eq!(kept.manual_tags, ["prod"]);
    assert_eq!(package_versions(store, old).await.len(), 2);
    assert_eq!(
        history(store, old).await,
        vec![upgraded("bash", "5.1", "5.2")]
    );
    assert_eq!(
        store.host_for_credential("cred-new", at(6)).await.unwrap(),
        Some(old)
    );
    assert_eq!(store.open_identity_reviews().await.unwrap(), vec![]);
    assert_eq!(store.host_count().await.unwrap(), 1);
    assert_eq!(db.count("packages").await, 3);
}

async fn keeping_a_review_separate_leaves_both_hosts(db: &TestDb) {
    let store = db.store();
    let a = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let b = new_host(store, "web-01", ("debian", "12"), at(1)).await;
    let review = store
        .add_identity_review(b, a, "hostname only", at(1))
        .await
        .unwrap();

    assert!(
        store
            .resolve_identity_review(review, false, &admin(), at(2))
            .await
            .unwrap()
    );

    assert_eq!(store.open_identity_reviews().await.unwrap(), vec![]);
    assert!(store.host(a).await.unwrap().is_some());
    assert!(store.host(b).await.unwrap().is_some());
    assert!(
        !store
            .resolve_identity_review(review, true, &admin(), at(3))
            .await
            .unwrap()
    );
}

async fn the_same_document_applied_concurrently_counts_once(db: &TestDb) {
    let store = db.store();
    let other = db.open_another().await;
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let base: Vec<InstalledPackage> = (0..200)
        .map(|i| pkg(&format!("pkg{i:03}"), "1.0"))
        .collect();
    store
        .apply_inventory(host, &packages_update("base", base), at(1))
        .await
        .unwrap();

    let changed: Vec<InstalledPackage> = (0..200)
        .map(|i| pkg(&format!("pkg{i:03}"), "2.0"))
        .collect();
    let update = packages_update("same", changed);
    let (one, two) = tokio::join!(
        store.apply_inventory(host, &update, at(2)),
        other.apply_inventory(host, &update, at(2)),
    );

    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(
        [one.duplicate, two.duplicate]
            .iter()
            .filter(|d| **d)
            .count(),
        1
    );
    assert_eq!(one.changes + two.changes, 200);
    assert_eq!(db.count("host_events").await, 200);
    assert_eq!(db.count("host_packages").await, 200);
    other.close().await;
}

// Access and compliance.

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        name: name.to_owned(),
        role,
        password_hash: format!("$argon2id$fake${name}"),
    }
}

/// Runs SQL straight on the database, as someone with database access could.
async fn raw_sql(db: &TestDb, statements: &[&str]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.expect("connect");
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    pool.close().await;
}

/// Makes four audited changes: a user, two tag changes and an enrollment token.
async fn four_audited_changes(store: &dyn Store) -> i64 {
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    store
        .create_user(&new_user("bob", Role::Operator), &admin(), at(1))
        .await
        .unwrap();
    let tags = ["prod".to_owned()];
    store
        .set_manual_tags(host, &tags, &Actor::User("bob".into()), at(2))
        .await
        .unwrap();
    store
        .set_manual_tags(host, &[], &Actor::Token("ci".into()), at(3))
        .await
        .unwrap();
    store
        .create_enrollment_token("hash-e", "lab", &Actor::Cli("root".into()), at(4))
        .await
        .unwrap();
    host
}

async fn changes_are_audited_in_a_chain_that_verifies(db: &TestDb) {
    let store = db.store();
    assert_eq!(store.verify_audit().await.unwrap().entries, 0);
    let host = four_audited_changes(store).await;
    // Inventory is not audited: it is the host's history.
    store
        .apply_inventory(host, &packages_update("d1", vec![pkg("curl", "1")]), at(5))
        .await
        .unwrap();

    let verdict = store.verify_audit().await.unwrap();
    assert_eq!((verdict.entries, verdict.broken), (4, None));
    let page = store.audit_entries(&PageRequest::default()).await.unwrap();
    let actions: Vec<(&str, &str, &str)> = page
        .items
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("cli:root", "enrollment_token.create", "enrollment_token:1"),
            ("token:ci", "host.tags.set", &*format!("host:{host}")),
            ("user:bob", "host.tags.set", &*format!("host:{host}")),
            ("user:alice", "user.create", "user:1"),
        ]
    );
    let untagging = &page.items[1];
    assert_eq!(
        untagging.before,
        Some(serde_json::json!({"manual_tags": ["prod"]}))
    );
    assert_eq!(
        untagging.after,
        Some(serde_json::json!({"manual_tags": []}))
    );
    assert_eq!(untagging.at, at(3));
    assert_eq!(page.items[3].prev_hash, steward_store::GENESIS_HASH);
    assert_eq!(page.items[0].prev_hash, page.items[1].hash);

    let first_two = store
        .audit_entries(&PageRequest {
            limit: Some(2),
            cursor: None,
        })
        .await
        .unwrap();
    let rest = store
        .audit_entries(&PageRequest {
            limit: Some(2),
            cursor: first_two.next_cursor,
        })
        .await
        .unwrap();
    let ids: Vec<i64> = first_two
        .items
        .iter()
        .chain(&rest.items)
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [4, 3, 2, 1]);
    assert_eq!(rest.next_cursor, None);
    let after: Vec<i64> = store
        .audit_entries_after(2, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(after, [3, 4]);
}

/// The statements that remove the append-only guard, per backend.
fn drop_append_only_guard(db: &TestDb) -> Vec<&'static str> {
    match db.url.starts_with("postgres") {
        true => vec!["DROP TRIGGER audit_log_refuses_change ON audit_log"],
        false => vec![
            "DROP TRIGGER audit_log_refuses_update",
            "DROP TRIGGER audit_log_refuses_delete",
        ],
    }
}

async fn an_audit_entry_edited_in_the_database_is_named_by_verify(db: &TestDb) {
    four_audited_changes(db.store()).await;

    // The log refuses edits as long as its guard is in place...
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let refused = sqlx::query("UPDATE audit_log SET actor = 'user:mallory' WHERE id = 2")
        .execute(&pool)
        .await;
    assert!(refused.is_err(), "the audit log accepted an UPDATE");
    pool.close().await;

    // ...and whoever removes the guard still cannot hide the edit.
    let mut statements = drop_append_only_guard(db);
    statements.push("UPDATE audit_log SET actor = 'user:mallory' WHERE id = 2");
    raw_sql(db, &statements).await;
    let verdict = db.store().verify_audit().await.unwrap();
    let broken = verdict.broken.expect("the edit went unnoticed");
    assert_eq!(broken.id, 2);
    assert!(
        broken.reason.contains("do not match its hash"),
        "{}",
        broken.reason
    );
    assert_eq!(verdict.entries, 1);
}

async fn a_deleted_audit_entry_is_named_by_verify(db: &TestDb) {
    four_audited_changes(db.store()).await;
    let mut statements = drop_append_only_guard(db);
    statements.push("DELETE FROM audit_log WHERE id = 3");
    raw_sql(db, &statements).await;
    let broken = db.store().verify_audit().await.unwrap().broken.unwrap();
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("missing"), "{}", broken.reason);

    // Cutting off the newest entry is caught by the chain's head.
    let mut statements = drop_append_only_guard(db);
    statements.truncate(0);
    statements.push("DELETE FROM audit_log WHERE id >= 3");
    raw_sql(db, &statements).await;
    let broken = db.store().verify_audit().await.unwrap().broken.unwrap();
    assert_eq!(broken.id, 3);
    assert!(broken.reason.contains("head"), "{}", broken.reason);
}

async fn concurrent_appends_from_two_stores_keep_one_chain(db: &TestDb) {
    let store = db.store();
    let other = db.open_another().await;
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let one = async {
        for i in 0..20 {
            let tags = [format!("a{i}")];
            store
                .set_manual_tags(host, &tags, &admin(), at(1))
                .await
                .unwrap();
        }
    };
    let two = async {
        for i in 0..20 {
            other
                .create_enrollment_token(&format!("h{i}"), "", &admin(), at(1))
                .await
                .unwrap();
        }
    };
    tokio::join!(one, two);
    let verdict = store.verify_audit().await.unwrap();
    assert_eq!((verdict.entries, verdict.broken), (40, None));
    other.close().await;
}

async fn directory_users_have_no_password_and_follow_their_groups_role(db: &TestDb) {
    let store = db.store();
    let dora = store
        .sync_directory_user("dora", Role::Operator, at(0))
        .await
        .unwrap();
    assert_eq!(
        (dora.role, dora.source, dora.must_change_password),
        (Role::Operator, UserSource::Ldap, false)
    );
    let record = store.user_by_name("dora").await.unwrap().unwrap();
    assert_eq!(record.password_hash, "");

    // The same role again changes nothing; a new one is an audited update of the same user.
    let same = store
        .sync_directory_user("dora", Role::Operator, at(1))
        .await
        .unwrap();
    assert_eq!(same.id, dora.id);
    let entries = store.verify_audit().await.unwrap().entries;
    let moved = store
        .sync_directory_user("dora", Role::Auditor, at(2))
        .await
        .unwrap();
    assert_eq!((moved.id, moved.role), (dora.id, Role::Auditor));
    assert_eq!(store.verify_audit().await.unwrap().entries, entries + 1);
    let page = PageRequest::default();
    let newest = &store.audit_entries(&page).await.unwrap().items[0];
    assert_eq!(
        (newest.action.as_str(), newest.actor.as_str()),
        ("user.update", "user:dora")
    );

    // A local user's name cannot be taken over by the directory.
    store
        .create_user(&new_user("lena", Role::Auditor), &admin(), at(0))
        .await
        .unwrap();
    let taken = store
        .sync_directory_user("lena", Role::Administrator, at(3))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    let lena = store.user_by_name("lena").await.unwrap().unwrap();
    assert_eq!(
        (lena.user.role, lena.user.source),
        (Role::Auditor, UserSource::Local)
    );
}

/// The fault: two first sign-ins of one directory user at once both found no row and both
/// inserted; the loser failed on the unique name and the sign-in answered 500.
async fn a_directory_users_first_sign_ins_at_once_make_one_user(db: &TestDb) {
    let store = db.store();
    let other = db.open_another().await;
    for round in 0..20 {
        let name = format!("ines{round}");
        let (a, b) = tokio::join!(
            store.sync_directory_user(&name, Role::Operator, at(0)),
            other.sync_directory_user(&name, Role::Operator, at(0)),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.id, b.id, "{name}");
    }
    let page = PageRequest {
        limit: Some(100),
        cursor: None,
    };
    let creations = store
        .audit_entries(&page)
        .await
        .unwrap()
        .items
        .iter()
        .filter(|e| e.action == "user.create")
        .count();
    assert_eq!(creations, 20);
    other.close().await;
}

async fn users_sign_in_through_sessions_that_end(db: &TestDb) {
    let store = db.store();
    assert_eq!(store.user_count().await.unwrap(), 0);
    let bob = store
        .create_user(&new_user("bob", Role::Auditor), &admin(), at(0))
        .await
        .unwrap();
    assert_eq!(
        (bob.role, bob.must_change_password, bob.disabled),
        (Role::Auditor, true, false)
    );
    let again = store
        .create_user(&new_user("bob", Role::Operator), &admin(), at(0))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let record = store.user_by_name("bob").await.unwrap().unwrap();
    assert_eq!(record.password_hash, "$argon2id$fake$bob");

    for (hash, hours) in [("s1", 0), ("s2", 0)] {
        let session = NewSession {
            id_hash: hash.to_owned(),
            user_id: bob.id,
            csrf_token: format!("csrf-{hash}"),
            created_at: at(hours),
            expires_at: at(12),
        };
        store.create_session(&session).await.unwrap();
    }
    let live = store.session("s1", at(-1), at(1)).await.unwrap().unwrap();
    assert_eq!(
        (live.user.name.as_str(), live.csrf_token.as_str()),
        ("bob", "csrf-s1")
    );
    assert_eq!(live.last_seen_at, at(0));
    // Used at hour 1, so it is not idle at hour 2 with a one-hour idle limit.
    assert!(
        store
            .session("s1", at(1) - jiff::SignedDuration::from_secs(1), at(2))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store.session("s2", at(1), at(2)).await.unwrap().is_none(),
        "idle session lived"
    );
    assert!(
        store.session("s1", at(0), at(12)).await.unwrap().is_none(),
        "expired session lived"
    );

    // A new password ends every other session.
    assert!(
        store
            .set_password(bob.id, "$argon2id$new", false, Some("s1"), &admin(), at(3))
            .await
            .unwrap()
    );
    assert!(store.session("s1", at(0), at(3)).await.unwrap().is_some());
    assert_eq!(db.count("sessions").await, 1);
    let record = store.user_by_name("bob").await.unwrap().unwrap();
    assert_eq!(record.password_hash, "$argon2id$new");
    assert!(!record.user.must_change_password);
    store.delete_session("s1").await.unwrap();
    assert_eq!(db.count("sessions").await, 0);
    assert!(
        !store
            .set_password(999, "x", true, None, &admin(), at(3))
            .await
            .unwrap()
    );
}

async fn disabling_a_user_ends_their_sessions(db: &TestDb) {
    let store = db.store();
    let bob = store
        .create_user(&new_user("bob", Role::Operator), &admin(), at(0))
        .await
        .unwrap();
    let session = NewSession {
        id_hash: "s".to_owned(),
        user_id: bob.id,
        csrf_token: "c".to_owned(),
        created_at: at(0),
        expires_at: at(12),
    };
    store.create_session(&session).await.unwrap();
    let changed = store
        .update_user(bob.id, Some(Role::Auditor), Some(true), &admin(), at(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((changed.role, changed.disabled), (Role::Auditor, true));
    assert!(store.session("s", at(0), at(1)).await.unwrap().is_none());
    let entries = store.audit_entries(&PageRequest::default()).await.unwrap();
    assert_eq!(
        entries.items[0].before,
        Some(serde_json::json!({"role": "operator", "disabled": false}))
    );
    assert_eq!(
        entries.items[0].after,
        Some(serde_json::json!({"role": "auditor", "disabled": true}))
    );
    assert!(
        store
            .update_user(999, None, Some(false), &admin(), at(1))
            .await
            .unwrap()
            .is_none()
    );
}

async fn login_failures_are_counted_per_name_and_address(db: &TestDb) {
    let store = db.store();
    for (name, address, hours) in [
        ("bob", "10.0.0.1", 1),
        ("bob", "10.0.0.2", 2),
        ("eve", "10.0.0.1", 3),
    ] {
        store
            .record_login_failure(name, address, at(hours), at(0))
            .await
            .unwrap();
    }
    let failures = store
        .login_failures("bob", "10.0.0.1", at(0))
        .await
        .unwrap();
    assert_eq!(failures.by_name, [at(1), at(2)]);
    assert_eq!(failures.by_address, [at(1), at(3)]);
    let recent = store
        .login_failures("bob", "10.0.0.1", at(2))
        .await
        .unwrap();
    assert_eq!((recent.by_name.len(), recent.by_address.len()), (1, 1));

    // Old failures are forgotten as new ones are recorded; success clears a name's failures.
    store
        .record_login_failure("eve", "10.0.0.9", at(4), at(3))
        .await
        .unwrap();
    assert_eq!(db.count("login_failures").await, 2);
    store.clear_login_failures("eve").await.unwrap();
    assert_eq!(db.count("login_failures").await, 0);
}

async fn api_tokens_work_until_revoked_or_expired(db: &TestDb) {
    let store = db.store();
    let lasting = NewApiToken {
        name: "ci".to_owned(),
        role: Role::Auditor,
        hash: "t1".to_owned(),
        expires_at: None,
    };
    let brief = NewApiToken {
        name: "brief".to_owned(),
        role: Role::Operator,
        hash: "t2".to_owned(),
        expires_at: Some(at(2)),
    };
    let ci = store
        .create_api_token(&lasting, &admin(), at(0))
        .await
        .unwrap();
    assert_eq!(
        (ci.role, ci.created_by.as_str()),
        (Role::Auditor, "user:alice")
    );
    store
        .create_api_token(&brief, &admin(), at(0))
        .await
        .unwrap();

    let found = store.api_token_by_hash("t1", at(1)).await.unwrap().unwrap();
    assert_eq!(found.id, ci.id);
    assert!(
        store
            .api_token_by_hash("t2", at(1))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .api_token_by_hash("t2", at(3))
            .await
            .unwrap()
            .is_none(),
        "expired token"
    );
    assert!(
        store
            .api_token_by_hash("nope", at(1))
            .await
            .unwrap()
            .is_none()
    );

    assert!(
        store
            .revoke_api_token(ci.id, &admin(), at(4))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_api_token(ci.id, &admin(), at(5))
            .await
            .unwrap()
    );
    assert!(
        store
            .api_token_by_hash("t1", at(4))
            .await
            .unwrap()
            .is_none()
    );
    let listed = store.api_tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].revoked_at, Some(at(4)));
    assert_eq!(listed[1].last_used_at, Some(at(1)));
    assert_eq!(store.verify_audit().await.unwrap().entries, 3);
}

// Assessment.

fn advisory(id: &str, aliases: &[&str], package: &str, fixed: &str) -> Advisory {
    Advisory {
        id: id.to_owned(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        summary: format!("{package} flaw"),
        modified: Some(at(0)),
        affected: vec![Affected {
            ecosystem: "Debian:11".to_owned(),
            name: package.to_owned(),
            ranges: vec![Range {
                kind: RangeKind::Ecosystem,
                repo: None,
                events: vec![
                    Event::Introduced("0".to_owned()),
                    Event::Fixed(fixed.to_owned()),
                ],
            }],
            ..Affected::default()
        }],
        source: "debian-tracker".to_owned(),
        ..Advisory::default()
    }
}

fn tracker_feed(advisories: Vec<Advisory>) -> FeedImport {
    FeedImport {
        kind: "debian-tracker".to_owned(),
        origin: "advisories-native".to_owned(),
        source: "/srv/mirror".to_owned(),
        files: 1,
        advisories,
        ..FeedImport::default()
    }
}

fn debian_package(name: &str) -> PackageName {
    PackageName {
        ecosystem: "Debian".to_owned(),
        name: name.to_owned(),
    }
}

async fn a_feed_is_replaced_whole_and_names_the_packages_that_changed(db: &TestDb) {
    let store = db.store();
    let first = tracker_feed(vec![
        advisory("DSA-5000-1", &["CVE-2021-1"], "openssl", "1.1.1n-0+deb11u1"),
        advisory("DSA-5001-1", &["CVE-2021-2"], "curl", "7.74.0-1.3+deb11u2"),
    ]);
    let change = store.replace_feed(&first, at(1)).await.unwrap();
    assert!(!change.replaced);
    assert_eq!(change.advisories_changed, 2);
    assert_eq!(
        change.packages,
        vec![debian_package("curl"), debian_package("openssl")]
    );

    // Re-import: curl's advisory changes, openssl's stays, bash's is new.
    let second = tracker_feed(vec![
        advisory("DSA-5000-1", &["CVE-2021-1"], "openssl", "1.1.1n-0+deb11u1"),
        advisory("DSA-5001-1", &["CVE-2021-2"], "curl", "7.74.0-1.3+deb11u3"),
        advisory("DSA-5002-1", &[], "bash", "5.1-2+deb11u1"),
    ]);
    let change = store.replace_feed(&second, at(2)).await.unwrap();
    assert!(change.replaced);
    assert_eq!(change.advisories_changed, 2);
    assert_eq!(
        change.packages,
        vec![debian_package("bash"), debian_package("curl")]
    );
    assert_eq!(db.count("advisories").await, 3);
    assert_eq!(db.count("feeds").await, 1);

    let naming = store
        .advisories_naming(Some(&[debian_package("curl")]))
        .await
        .unwrap();
    assert_eq!(naming.len(), 1);
    assert_eq!(naming[0], second.advisories[1]);
    assert_eq!(store.advisories_naming(None).await.unwrap().len(), 3);

    let by_alias = store.advisory("CVE-2021-2").await.unwrap().unwrap();
    assert_eq!(by_alias.id, "DSA-5001-1");
    assert_eq!(
        by_alias.packages[0].ranges,
        ["introduced 0, fixed 7.74.0-1.3+deb11u3"]
    );
    assert!(store.advisory("CVE-1999-0").await.unwrap().is_none());

    let kev = FeedImport {
        kind: "kev".to_owned(),
        origin: "kev".to_owned(),
        source: "/srv/mirror".to_owned(),
        files: 1,
        kev: vec![KevRecord {
            cve_id: "CVE-2021-2".to_owned(),
            date_added: "2022-01-10".parse().unwrap(),
            due_date: Some("2022-01-24".parse().unwrap()),
            ransomware: true,
            name: "curl flaw".to_owned(),
        }],
        ..FeedImport::default()
    };
    assert!(
        store
            .replace_feed(&kev, at(2))
            .await
            .unwrap()
            .context_changed
    );
    assert_eq!(store.kev_catalog().await.unwrap(), kev.kev);
    assert!(store.advisory("DSA-5001-1").await.unwrap().unwrap().kev);

    let product = LifecycleProduct {
        name: "debian".to_owned(),
        title: Some("Debian".to_owned()),
        source: "endoflife.date".to_owned(),
        cycles: vec![LifecycleCycle {
            cycle: "11".to_owned(),
            release_date: Some("2021-08-14".parse().unwrap()),
            eol: EolDate::Date("2024-08-14".parse().unwrap()),
            support: EolDate::Unknown,
            extended_support: EolDate::Date("2026-08-31".parse().unwrap()),
            lts: true,
            latest: Some("11.11".to_owned()),
            latest_release_date: None,
            codename: Some("Bullseye".to_owned()),
        }],
    };
    let eol = FeedImport {
        kind: "endoflife.date".to_owned(),
        origin: "eol".to_owned(),
        source: "/srv/mirror".to_owned(),
        files: 1,
        lifecycle: vec![product.clone()],
        ..FeedImport::default()
    };
    store.replace_feed(&eol, at(2)).await.unwrap();
    assert_eq!(store.lifecycle_products().await.unwrap(), vec![product]);
    let feeds = store.feeds().await.unwrap();
    let kinds: Vec<&str> = feeds.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["debian-tracker", "endoflife.date", "kev"]);
    assert_eq!(feeds[0].records, 3);
}

fn finding_write(host: i64, state: FindingState) -> FindingWrite {
    FindingWrite {
        id: None,
        host_id: host,
        ecosystem: "Debian:11".to_owned(),
        package: "curl".to_owned(),
        binaries: vec!["curl".to_owned(), "libcurl4".to_owned()],
        group_key: "CVE-2021-2".to_owned(),
        kind: "vulnerability".to_owned(),
        state,
        kev: true,
        priority: Priority {
            level: Level::P1,
            score: 128,
            reasons: Vec::new(),
        },
        matches: vec![FindingMatch {
            advisory_id: "DSA-5001-1".to_owned(),
            summary: "curl flaw".to_owned(),
            ranges: vec!["introduced 0, fixed 7.74.0-1.3+deb11u3".to_owned()],
            fixed: vec!["7.74.0-1.3+deb11u3".to_owned()],
        }],
        event: Some(("open".to_owned(), None)),
        state_only: false,
    }
}

async fn findings_carry_verdicts_that_are_audited_and_filtered(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web1", ("debian", "11"), at(0)).await;
    let facts = FindingFacts {
        ids: vec!["CVE-2021-2".to_owned(), "DSA-5001-1".to_owned()],
        ecosystem: "Debian:11".to_owned(),
        package: "curl".to_owned(),
        installed: "7.74.0-1.3+deb11u1".to_owned(),
        fixed: vec!["7.74.0-1.3+deb11u3".to_owned()],
        severity: SeverityFacts {
            score: Some(9.8),
            rating: None,
        },
    };
    let state = FindingState::new(facts.clone(), at(1));
    store
        .save_findings(&[finding_write(host, state)], at(1))
        .await
        .unwrap();

    let all = store
        .list_findings(&FindingFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
    let listed = &all.items[0];
    assert_eq!(
        (
            listed.state.as_str(),
            listed.severity.as_deref(),
            listed.score
        ),
        ("open", Some("critical"), Some(9.8))
    );
    assert_eq!(listed.binaries, ["curl", "libcurl4"]);
    let id = listed.id;
    for (filter, expected) in [
        (
            FindingFilter {
                advisory: Some("CVE-2021-2".into()),
                ..FindingFilter::default()
            },
            1,
        ),
        (
            FindingFilter {
                severity: Some("high".into()),
                ..FindingFilter::default()
            },
            0,
        ),
        (
            FindingFilter {
                priority: Some("p1".into()),
                ..FindingFilter::default()
            },
            1,
        ),
        (
            FindingFilter {
                package: Some("curl".into()),
                kev: Some(true),
                ..FindingFilter::default()
            },
            1,
        ),
        (
            FindingFilter {
                host: Some(host + 1),
                ..FindingFilter::default()
            },
            0,
        ),
        (
            FindingFilter {
                ecosystem: Some("Debian".into()),
                ..FindingFilter::default()
            },
            1,
        ),
        (
            FindingFilter {
                ecosystem: Some("Debian:12".into()),
                ..FindingFilter::default()
            },
            0,
        ),
        (
            FindingFilter {
                ecosystem: Some("Deb".into()),
                ..FindingFilter::default()
            },
            0,
        ),
        (
            FindingFilter {
                q: Some("LIBCURL".into()),
                ..FindingFilter::default()
            },
            1,
        ),
        (
            FindingFilter {
                q: Some("dsa-5001".into()),
                ..FindingFilter::default()
            },
            1,
        ),
        (
            FindingFilter {
                q: Some("cur_".into()),
                ..FindingFilter::default()
            },
            0,
        ),
    ] {
        let page = store
            .list_findings(&filter, &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.items.len(), expected, "{filter:?}");
    }

    let decision = Decision::AcceptRisk {
        by: "alice".to_owned(),
        why: "behind the proxy".to_owned(),
    };
    let detail = store
        .record_verdict(id, decision, &admin(), at(2))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(detail.finding.state, "accepted_risk");
    let verdict = detail.verdict.unwrap();
    assert_eq!(
        (verdict.by.as_deref(), verdict.why.as_deref()),
        (Some("alice"), Some("behind the proxy"))
    );
    assert_eq!(detail.history.len(), 2);
    assert_eq!(store.verify_audit().await.unwrap().entries, 1);
    let audit = store.audit_entries(&PageRequest::default()).await.unwrap();
    assert_eq!(audit.items[0].action, "finding.verdict");

    // Reopening an open finding is refused, and nothing is written.
    let reopen = Decision::Reopen {
        by: "bob".into(),
        why: "new exposure".into(),
    };
    store
        .record_verdict(id, reopen.clone(), &admin(), at(3))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let refused = store
        .record_verdict(id, reopen, &admin(), at(4))
        .await
        .unwrap()
        .unwrap();
    assert!(refused.is_err());
    assert_eq!(store.verify_audit().await.unwrap().entries, 2);
    assert!(
        store
            .record_verdict(
                id + 100,
                Decision::Reopen {
                    by: "b".into(),
                    why: "w".into()
                },
                &admin(),
                at(4)
            )
            .await
            .unwrap()
            .is_none()
    );

    // A re-assessment that keeps the verdict's facts keeps the verdict.
    let stored = store.host_findings(&[host], None).await.unwrap();
    assert_eq!(stored.len(), 1);
    let accepted = stored[0]
        .state
        .decide(
            Decision::FalsePositive {
                by: "carol".into(),
                why: "not built with it".into(),
            },
            at(5),
        )
        .unwrap();
    let again = steward_core::assessment::finding::reassess(
        &accepted,
        steward_core::assessment::finding::Observation::Seen(facts),
        at(6),
    );
    assert!(matches!(again.status, Status::FalsePositive(_)));
    let mut write = finding_write(host, again);
    write.id = Some(stored[0].id);
    write.event = None;
    store.save_findings(&[write], at(6)).await.unwrap();
    let stored = store.host_findings(&[host], None).await.unwrap();
    assert_eq!(stored[0].state.status.as_str(), "false_positive");
    assert_eq!(stored[0].state.last_seen, at(6));

    let lifecycle = HostLifecycle {
        product: "debian".to_owned(),
        cycle: "11".to_owned(),
        operating_system: true,
        state: "extended_support".to_owned(),
        date: Some("2026-08-31".to_owned()),
        source: Some("endoflife.date".to_owned()),
        evidence: vec!["os-release debian 11".to_owned()],
        assessed_at: at(6),
    };
    store
        .set_host_lifecycle(host, std::slice::from_ref(&lifecycle), at(6))
        .await
        .unwrap();
    assert_eq!(store.host_lifecycle(host).await.unwrap(), vec![lifecycle]);
    let cycles = store.cycles_in_use().await.unwrap();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].1, 1);
}

fn curl_facts(ids: &[&str]) -> FindingFacts {
    FindingFacts {
        ids: ids.iter().map(|id| id.to_string()).collect(),
        ecosystem: "Debian:11".to_owned(),
        package: "curl".to_owned(),
        installed: "7.74.0-1.3+deb11u1".to_owned(),
        fixed: vec!["7.74.0-1.3+deb11u3".to_owned()],
        severity: SeverityFacts::default(),
    }
}

async fn findings_of_advisory(store: &dyn Store, advisory: &str) -> usize {
    let filter = FindingFilter {
        advisory: Some(advisory.into()),
        ..FindingFilter::default()
    };
    let page = store
        .list_findings(&filter, &PageRequest::default())
        .await
        .unwrap();
    let hosts = match store.advisory(advisory).await.unwrap() {
        Some(detail) => detail.hosts.len(),
        None => page.items.len(),
    };
    assert_eq!(
        hosts,
        page.items.len(),
        "{advisory}: list and advisory page"
    );
    page.items.len()
}

async fn findings_are_found_by_the_advisories_they_name_after_every_rewrite(db: &TestDb) {
    let store = db.store();
    let feed = tracker_feed(vec![
        advisory("DSA-5001-1", &["CVE-2021-2"], "curl", "7.74.0-1.3+deb11u3"),
        advisory("DSA-5003-1", &["CVE-2021-3"], "curl", "7.74.0-1.3+deb11u3"),
    ]);
    store.replace_feed(&feed, at(0)).await.unwrap();
    let host = new_host(store, "web1", ("debian", "11"), at(0)).await;
    let state = FindingState::new(curl_facts(&["CVE-2021-2", "DSA-5001-1"]), at(1));
    store
        .save_findings(&[finding_write(host, state)], at(1))
        .await
        .unwrap();

    // By its own ids and through an advisory's alias; a prefix of an id is not the id.
    assert_eq!(findings_of_advisory(store, "DSA-5001-1").await, 1);
    assert_eq!(findings_of_advisory(store, "CVE-2021-2").await, 1);
    assert_eq!(findings_of_advisory(store, "DSA-5001").await, 0);
    assert_eq!(findings_of_advisory(store, "DSA-5003-1").await, 0);

    // A re-assessment that names other advisories moves the finding with it.
    let stored = store.host_findings(&[host], None).await.unwrap();
    let mut write = finding_write(
        host,
        FindingState::new(curl_facts(&["CVE-2021-3", "DSA-5003-1"]), at(2)),
    );
    write.id = Some(stored[0].id);
    write.event = None;
    store.save_findings(&[write], at(2)).await.unwrap();
    assert_eq!(findings_of_advisory(store, "DSA-5001-1").await, 0);
    assert_eq!(findings_of_advisory(store, "CVE-2021-2").await, 0);
    assert_eq!(findings_of_advisory(store, "DSA-5003-1").await, 1);
    assert_eq!(findings_of_advisory(store, "CVE-2021-3").await, 1);

    // A verdict rewrites only the state; the finding stays found.
    store
        .record_verdict(
            stored[0].id,
            Decision::AcceptRisk {
                by: "carol".into(),
                why: "behind the proxy".into(),
            },
            &admin(),
            at(3),
        )
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(findings_of_advisory(store, "CVE-2021-3").await, 1);
}

async fn a_job_is_claimed_by_one_worker_at_a_time(db: &TestDb) {
    let store = db.store();
    let other = db.open_another().await;
    let first = store
        .enqueue_job("assess", "{\"scope\":\"all\"}", at(0))
        .await
        .unwrap();
    let again = store
        .enqueue_job("assess", "{\"scope\":\"all\"}", at(0))
        .await
        .unwrap();
    assert_eq!(first, again, "a queued job is not queued twice");
    let second = store
        .enqueue_job("assess", "{\"hosts\":[1]}", at(0))
        .await
        .unwrap();
    assert_eq!(store.pending_jobs().await.unwrap(), 2);

    let lease = jiff::SignedDuration::from_secs(600);
    let (a, b) = tokio::join!(
        store.claim_job("server-a", at(1), lease),
        other.claim_job("server-b", at(1), lease)
    );
    let claimed: Vec<i64> = [a.unwrap(), b.unwrap()]
        .into_iter()
        .flatten()
        .map(|j| j.id)
        .collect();
    assert_eq!(claimed, vec![first], "one job, claimed once");

    store
        .finish_job(first, Ok("done".into()), at(1))
        .await
        .unwrap();
    let next = other
        .claim_job("server-b", at(1), lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id, second);
    // server-b dies; once its lease is over, server-a takes the job over.
    assert!(
        store
            .claim_job("server-a", at(1), lease)
            .await
            .unwrap()
            .is_none()
    );
    let later = Timestamp::from_second(at(1).as_second() + 601).unwrap();
    let taken = store
        .claim_job("server-a", later, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.id, second);
    store
        .finish_job(second, Err("failed".into()), later)
        .await
        .unwrap();
    assert_eq!(store.pending_jobs().await.unwrap(), 0);
    other.close().await;
}
