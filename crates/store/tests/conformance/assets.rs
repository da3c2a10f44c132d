//! Conformance cases of [`steward_store::AssetStore`]: applications and other assets.

use steward_core::inventory::{
    Application, AssetKind, AssetRecord, Component, ComponentScope, Dependency,
};
use steward_store::{AssetWrite, NewApplication, StoreError};

use super::{TestDb, admin, at, new_host, packages_update, pkg};

fn component(ecosystem: Option<&str>, name: &str, version: Option<&str>) -> Component {
    Component {
        reference: format!("{name}@{}", version.unwrap_or("")),
        ecosystem: ecosystem.map(str::to_owned),
        name: name.to_owned(),
        version: version.map(str::to_owned),
        purl: None,
        licenses: vec!["MIT".to_owned()],
        kind: Some("library".to_owned()),
        scope: ComponentScope::Required,
    }
}

fn import(name: &str, components: Vec<Component>) -> NewApplication {
    NewApplication {
        name: name.to_owned(),
        source_format: "CycloneDX JSON".to_owned(),
        source_file: format!("{name}.cdx.json"),
        application: Application {
            name: Some(name.to_owned()),
            version: Some("1.0".to_owned()),
            reference: Some("app".to_owned()),
            dependencies: vec![Dependency {
                from: "app".to_owned(),
                to: "serde@1.0.1".to_owned(),
            }],
            components,
            ..Application::default()
        },
    }
}

pub async fn an_application_import_shares_package_rows_with_hosts(db: &TestDb) {
    let store = db.store();
    let host = new_host(store, "web-01", ("debian", "12"), at(0)).await;
    let mut on_host = pkg("openssl", "3.0.15-1");
    on_host.arch = String::new();
    store
        .apply_inventory(host, &packages_update("d1", vec![on_host]), at(0))
        .await
        .unwrap();
    let packages_before = db.count("packages").await;

    let components = vec![
        component(Some("crates.io"), "serde", Some("1.0.1")),
        component(Some("Debian"), "openssl", Some("3.0.15-1")),
        component(None, "vendored-thing", Some("2")),
        component(Some("npm"), "left-pad", None),
    ];
    let outcome = store
        .import_application(&import("shop", components.clone()), &admin(), at(1))
        .await
        .unwrap();
    assert!(outcome.created);
    assert_eq!(outcome.component_count, 4);
    // Only serde is new: openssl's row is the host's, the last two cannot be assessed.
    assert_eq!(db.count("packages").await, packages_before + 1);
    assert_eq!(db.count("application_components").await, 4);

    let detail = store
        .application(outcome.application_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.summary.name, "shop");
    assert_eq!(detail.summary.component_count, 4);
    assert_eq!(detail.components, components);
    assert_eq!(detail.dependencies.len(), 1);
    assert_eq!(store.applications().await.unwrap().len(), 1);
    assert!(
        store
            .application(outcome.application_id + 99)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn reimporting_an_application_replaces_components_with_history(db: &TestDb) {
    let store = db.store();
    let first = vec![
        component(Some("crates.io"), "serde", Some("1.0.1")),
        component(Some("crates.io"), "tokio", Some("1.40.0")),
    ];
    let one = store
        .import_application(&import("shop", first), &admin(), at(1))
        .await
        .unwrap();
    let second = vec![
        component(Some("crates.io"), "serde", Some("1.0.2")),
        component(Some("crates.io"), "axum", Some("0.8.0")),
    ];
    let two = store
        .import_application(&import("shop", second.clone()), &admin(), at(2))
        .await
        .unwrap();
    assert_eq!(two.application_id, one.application_id);
    assert!(!two.created);
    assert_eq!((two.added, two.removed, two.changed), (1, 1, 1));

    let detail = store
        .application(two.application_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.components, second);
    assert_eq!(detail.summary.created_at, at(1));
    assert_eq!(detail.summary.updated_at, at(2));

    let history = store
        .application_history(two.application_id, 50)
        .await
        .unwrap();
    let kinds: Vec<(String, String)> = history
        .iter()
        .map(|e| (e.kind.clone(), e.name.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("component_removed".to_owned(), "tokio".to_owned()),
            ("component_changed".to_owned(), "serde".to_owned()),
            ("component_added".to_owned(), "axum".to_owned()),
            ("imported".to_owned(), "shop.cdx.json".to_owned()),
            ("imported".to_owned(), "shop.cdx.json".to_owned()),
        ]
    );
    let verdict = store.verify_audit().await.unwrap();
    assert_eq!(verdict.entries, 2);
}

fn record(name: &str, tag: Option<&str>, serial: Option<&str>) -> AssetRecord {
    AssetRecord {
        name: name.to_owned(),
        kind: AssetKind::Printer,
        asset_tag: tag.map(str::to_owned),
        serial: serial.map(str::to_owned),
        vendor: Some("HP".to_owned()),
        model: None,
        location: Some("Floor 2".to_owned()),
        owner: None,
        tags: vec!["office".to_owned()],
        notes: None,
    }
}

pub async fn assets_are_created_updated_and_kept_unique(db: &TestDb) {
    let store = db.store();
    let writes = [
        AssetWrite {
            id: None,
            record: record("p1", Some("T1"), Some("S1")),
        },
        AssetWrite {
            id: None,
            record: record("p2", None, Some("S2")),
        },
    ];
    let ids = store.write_assets(&writes, &admin(), at(1)).await.unwrap();
    assert_eq!(ids.len(), 2);
    let mut changed = record("p1 renamed", Some("T1"), Some("S1"));
    changed.kind = AssetKind::NetworkDevice;
    store
        .write_assets(
            &[AssetWrite {
                id: Some(ids[0]),
                record: changed.clone(),
            }],
            &admin(),
            at(2),
        )
        .await
        .unwrap();
    let asset = store.asset(ids[0]).await.unwrap().unwrap();
    assert_eq!(asset.record, changed);
    assert_eq!((asset.created_at, asset.updated_at), (at(1), at(2)));
    assert_eq!(
        store.assets(Some(AssetKind::Printer)).await.unwrap().len(),
        1
    );
    assert_eq!(store.assets(None).await.unwrap().len(), 2);

    // A taken serial refuses the whole batch: the good write before it is not kept.
    let batch = [
        AssetWrite {
            id: None,
            record: record("p3", Some("T3"), None),
        },
        AssetWrite {
            id: None,
            record: record("p4", None, Some("S2")),
        },
    ];
    let err = store
        .write_assets(&batch, &admin(), at(3))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("serial \"S2\"")),
        "{err}"
    );
    assert_eq!(store.assets(None).await.unwrap().len(), 2);
    let unknown = [AssetWrite {
        id: Some(ids[1] + 100),
        record: record("x", None, None),
    }];
    assert!(store.write_assets(&unknown, &admin(), at(3)).await.is_err());
}
