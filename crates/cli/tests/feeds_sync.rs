//! `steward feeds sync` against a publisher on loopback.
//!
//! The test builds the publishers' files from the shared test data — one `all.zip` per OSV
//! ecosystem as osv.dev exports it, the CISA KEV catalog, and endoflife.date's API v1 product
//! list and product documents made from the data's product front matter — and serves them
//! from an HTTP server that honours `If-None-Match` and `If-Modified-Since`. A first sync
//! downloads and loads everything with the same records as loading the data directly; a second
//! sync asks conditionally and downloads nothing. A publisher answering 500, or a truncated,
//! path-traversing or oversized archive, fails that feed alone, names the error and leaves its
//! previous copy in place.
//!
//! The data directory is `STEWARD_TEST_DATA`, else `shared/data` beside the workspace root;
//! the test fails, saying so, when it is absent.

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use steward_formats::feeds::mirror::{self, FeedKind, Mirror};

/// The data's OSV folders and the osv.dev ecosystem each is served as.
const OSV_FOLDERS: [(&str, &str); 7] = [
    ("rustsec", "crates.io"),
    ("pypa", "PyPI"),
    ("go", "Go"),
    ("almalinux", "AlmaLinux"),
    ("bitnami", "Bitnami"),
    ("oss-fuzz", "OSS-Fuzz"),
    ("psf", "PSF"),
];

const KEV_PATH: &str = "/sites/default/files/feeds/known_exploited_vulnerabilities.json";

fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("osv").is_dir(),
        "test data {} is absent: set STEWARD_TEST_DATA to the shared data directory",
        dir.display()
    );
    dir
}

/// A file as the publisher serves it.
#[derive(Clone)]
struct Served {
    body: Arc<Vec<u8>>,
    etag: Option<String>,
    last_modified: Option<String>,
    fail: bool,
}

impl Served {
    /// With an `ETag` from the content and a `Last-Modified` date.
    fn new(body: Vec<u8>, last_modified: &str) -> Served {
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        Served {
            etag: Some(format!("\"{:016x}\"", hasher.finish())),
            last_modified: Some(last_modified.to_owned()),
            body: Arc::new(body),
            fail: false,
        }
    }
}

/// One request the publisher saw.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    conditional: bool,
    status: u16,
}

#[derive(Clone, Default)]
struct Publisher {
    files: Arc<Mutex<HashMap<String, Served>>>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Publisher {
    fn put(&self, path: &str, served: Served) {
        self.files.lock().unwrap().insert(path.to_owned(), served);
    }

    fn get(&self, path: &str) -> Served {
        self.files.lock().unwrap()[path].clone()
    }

    fn take_hits(&self) -> Vec<Hit> {
        std::mem::take(&mut *self.hits.lock().unwrap())
    }
}

/// Answers like a static file server: 304 when `If-None-Match` matches the `ETag`, or, with no
/// `If-None-Match`, when `If-Modified-Since` is the file's `Last-Modified` date.
async fn publish(State(publisher): State<Publisher>, uri: Uri, headers: HeaderMap) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    let (if_none_match, if_modified_since) = (text(IF_NONE_MATCH), text(IF_MODIFIED_SINCE));
    let served = publisher.files.lock().unwrap().get(uri.path()).cloned();

    let mut response = Response::builder();
    let status = match &served {
        None => StatusCode::NOT_FOUND,
        Some(served) if served.fail => StatusCode::INTERNAL_SERVER_ERROR,
        Some(served) => {
            let unchanged = match (if_none_match, if_modified_since) {
                (Some(tag), _) => served.etag.as_deref() == Some(tag),
                (None, Some(date)) => served.last_modified.as_deref() == Some(date),
                (None, None) => false,
            };
            if let Some(etag) = &served.etag {
                response = response.header(ETAG, etag);
            }
            if let Some(date) = &served.last_modified {
                response = response.header(LAST_MODIFIED, date);
            }
            if unchanged {
                StatusCode::NOT_MODIFIED
            } else {
                StatusCode::OK
            }
        }
    };
    publisher.hits.lock().unwrap().push(Hit {
        path: uri.path().to_owned(),
        conditional: if_none_match.is_some() || if_modified_since.is_some(),
        status: status.as_u16(),
    });
    let body = match (&served, status) {
        (Some(served), StatusCode::OK) => Body::from(served.body.as_ref().clone()),
        _ => Body::empty(),
    };
    response.status(status).body(body).unwrap()
}

async fn start(publisher: Publisher) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(publish).with_state(publisher);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// Every regular file of the `.tar.zst` archives in `folder`, as (path, bytes).
fn tar_zst_files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut archives: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.zst"))
        .collect();
    archives.sort();
    for archive in archives {
        let file = std::io::BufReader::new(std::fs::File::open(&archive).unwrap());
        let decoder = ruzstd::decoding::StreamingDecoder::new(file).unwrap();
        let mut tar = tar::Archive::new(decoder);
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            files.push((path, bytes));
        }
    }
    files
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    // Stored rather than deflated: the test builds these archives in a debug build.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// endoflife.date's product front matter from the data, by product.
fn front_matters() -> BTreeMap<String, Value> {
    let path = data_dir().join("eol/endoflife.date/products-frontmatter.json.gz");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut json)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

/// One front-matter release cycle in API v1's spelling.
fn v1_release(release: &Value) -> Value {
    let end = |field: &str| match &release[field] {
        Value::Bool(ended) => (Value::Bool(*ended), Value::Null),
        Value::String(date) => (Value::Bool(false), Value::String(date.clone())),
        _ => (Value::Bool(false), Value::Null),
    };
    let (is_eol, eol_from) = end("eol");
    let (is_eoas, eoas_from) = end("eoas");
    let (is_eoes, eoes_from) = end("eoes");
    let (is_lts, lts_from) = match &release["lts"] {
        Value::Bool(lts) => (*lts, Value::Null),
        Value::String(date) => (true, Value::String(date.clone())),
        _ => (false, Value::Null),
    };
    let latest = match &release["latest"] {
        Value::Null => Value::Null,
        name => json!({"name": name, "date": release["latestReleaseDate"]}),
    };
    json!({
        "name": release["releaseCycle"],
        "codename": release["codename"],
        "label": release["releaseCycle"],
        "releaseDate": release["releaseDate"],
        "isLts": is_lts,
        "ltsFrom": lts_from,
        "isEoas": is_eoas,
        "eoasFrom": eoas_from,
        "isEol": is_eol,
        "eolFrom": eol_from,
        "isEoes": is_eoes,
        "eoesFrom": eoes_from,
        "latest": latest,
    })
}

/// The publishers' files built from the shared data, for the given OSV folders.
fn publish_data(publisher: &Publisher, osv_folders: &[(&str, &str)], base: &str) {
    let data = data_dir();
    let date = "Wed, 02 Dec 2026 10:00:00 GMT";
    for (folder, ecosystem) in osv_folders {
        let zip = zip_of(&tar_zst_files(&data.join("osv").join(folder)));
        publisher.put(&format!("/{ecosystem}/all.zip"), Served::new(zip, date));
    }

    // CISA's server is served here with `Last-Modified` only, so that validator is tried too.
    let kev = std::fs::read(data.join("kev/known_exploited_vulnerabilities.json")).unwrap();
    let mut served = Served::new(kev, date);
    served.etag = None;
    publisher.put(KEV_PATH, served);

    let mut list = Vec::new();
    for (name, front) in front_matters() {
        let releases: Vec<Value> = front["releases"]
            .as_array()
            .map(|r| r.iter().map(v1_release).collect())
            .unwrap_or_default();
        let product = json!({
            "schema_version": "1.2.0",
            "result": {
                "name": name,
                "aliases": [],
                "label": front["title"],
                "category": front["category"],
                "releases": releases,
            },
        });
        let body = serde_json::to_vec(&product).unwrap();
        publisher.put(&format!("/api/v1/products/{name}"), Served::new(body, date));
        list.push(json!({
            "name": name, "aliases": [], "label": front["title"], "category": front["category"],
            "tags": [], "uri": format!("{base}/api/v1/products/{name}"),
        }));
    }
    let list = json!({"schema_version": "1.2.0", "total": list.len(), "result": list});
    let body = serde_json::to_vec(&list).unwrap();
    publisher.put("/api/v1/products", Served::new(body, date));
}

/// Runs `steward feeds sync --json` with the given extra arguments and environment; returns
/// whether it succeeded, its JSON summary by feed, and its stderr.
async fn sync(
    work: &Path,
    args: &[&str],
    env: &[(&str, String)],
) -> (bool, BTreeMap<String, Value>, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_steward"));
    command
        .args(["feeds", "sync", "--json", "--data-dir"])
        .arg(work.join("data"))
        .args(args)
        .current_dir(work);
    for name in ["STEWARD_CONFIG", "STEWARD_DATA_DIR", "STEWARD_DATABASE_URL"] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let summary: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("no JSON summary ({err}); stderr:\n{stderr}"));
    let feeds = summary["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["feed"].as_str().unwrap().to_owned(), f.clone()))
        .collect();
    (output.status.success(), feeds, stderr)
}

fn load(path: &Path) -> Mirror {
    let mirror = mirror::load(path, |_| {}).unwrap();
    assert!(mirror.errors.is_empty(), "{:#?}", mirror.errors);
    mirror
}

/// (product, its cycles' names), to compare lifecycle data read two ways.
fn cycles(mirror: &Mirror) -> BTreeMap<String, Vec<String>> {
    mirror
        .lifecycle
        .iter()
        .map(|p| {
            let names = p.cycles.iter().map(|c| c.cycle.clone()).collect();
            (p.name.clone(), names)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_downloads_everything_and_the_second_asks_conditionally() {
    let started = std::time::Instant::now();
    let publisher = Publisher::default();
    let base = start(publisher.clone()).await;
    publish_data(&publisher, &OSV_FOLDERS, &base);
    println!("publisher ready after {:.1?}", started.elapsed());
    let work = tempfile::tempdir().unwrap();
    let ecosystems: Vec<String> = OSV_FOLDERS.iter().map(|(_, e)| format!("{e:?}")).collect();
    let settings = format!(
        "[feeds]\nosv_url = \"{base}/{{ecosystem}}/all.zip\"\nosv_ecosystems = [{}]\n\
         kev_url = \"{base}{KEV_PATH}\"\nendoflife_url = \"{base}/api/v1\"\n",
        ecosystems.join(", ")
    );
    std::fs::write(work.path().join("steward.toml"), settings).unwrap();

    let (ok, feeds, stderr) = sync(work.path(), &[], &[]).await;
    println!("first sync done after {:.1?}", started.elapsed());
    assert!(ok, "{stderr}");
    assert_eq!(feeds.len(), OSV_FOLDERS.len() + 2, "{feeds:#?}");
    for feed in feeds.values() {
        assert_eq!(feed["outcome"], "downloaded", "{feed:#}");
        assert!(feed["bytes"].as_u64().unwrap() > 0, "{feed:#}");
        assert_eq!(feed["import"]["errors"], json!([]), "{feed:#}");
    }

    // Each feed imported what loading its data directly reads.
    let data = data_dir();
    let osv_direct = load(&data.join("osv"));
    for (folder, ecosystem) in OSV_FOLDERS {
        let direct: usize = osv_direct
            .feeds
            .iter()
            .filter(|f| f.kind == FeedKind::Osv && f.origin.starts_with(&format!("{folder}/")))
            .map(|f| f.records)
            .sum();
        assert!(direct > 0, "{folder}");
        let feed = &feeds[&format!("osv/{ecosystem}")];
        assert_eq!(feed["import"]["advisories"], direct, "{ecosystem}");
    }
    let kev_direct = load(&data.join("kev"));
    assert_eq!(feeds["kev"]["import"]["kev_entries"], kev_direct.kev.len());
    let eol_direct = load(&data.join("eol/endoflife.date/products-frontmatter.json.gz"));
    assert_eq!(eol_direct.lifecycle.len(), 464);
    let eol = &feeds["endoflife.date"];
    assert_eq!(eol["import"]["lifecycle_products"], 464);
    assert_eq!(eol["files_downloaded"], 465, "the list and each product");

    // The mirror holds the same records as the data (each OSV feed was counted above).
    let mirror = work.path().join("data/feeds/mirror");
    let advisories: u64 = feeds
        .values()
        .map(|f| f["import"]["advisories"].as_u64().unwrap())
        .sum();
    assert_eq!(advisories, osv_direct.records(FeedKind::Osv) as u64);
    assert_eq!(load(&mirror.join("kev")).kev, kev_direct.kev);
    assert_eq!(
        cycles(&load(&mirror.join("endoflife.date"))),
        cycles(&eol_direct)
    );
    println!("direct loads done after {:.1?}", started.elapsed());
    let first_hits = publisher.take_hits();
    assert!(first_hits.iter().all(|h| h.status == 200 && !h.conditional));

    // Second sync: every request is conditional, every answer 304, nothing re-imported.
    let (ok, feeds, stderr) = sync(work.path(), &[], &[]).await;
    assert!(ok, "{stderr}");
    for feed in feeds.values() {
        assert_eq!(feed["outcome"], "not_modified", "{feed:#}");
        assert_eq!(feed["bytes"], 0, "{feed:#}");
        assert!(feed.get("import").is_none(), "{feed:#}");
    }
    println!("second sync done after {:.1?}", started.elapsed());
    let hits = publisher.take_hits();
    assert_eq!(hits.len(), first_hits.len());
    for hit in &hits {
        assert!(hit.conditional && hit.status == 304, "{hit:?}");
    }
    assert!(
        hits.iter().any(|h| h.path == KEV_PATH),
        "KEV asked with If-Modified-Since"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_or_unsafe_downloads_keep_the_previous_copy_and_name_the_error() {
    let publisher = Publisher::default();
    let base = start(publisher.clone()).await;
    let folders = [("rustsec", "crates.io"), ("psf", "PSF"), ("go", "Go")];
    publish_data(&publisher, &folders, &base);
    let work = tempfile::tempdir().unwrap();
    let env = [
        (
            "STEWARD_FEEDS_OSV_URL",
            format!("{base}/{{ecosystem}}/all.zip"),
        ),
        (
            "STEWARD_FEEDS_OSV_ECOSYSTEMS",
            "crates.io,PSF,Go".to_owned(),
        ),
        ("STEWARD_FEEDS_KEV_URL", format!("{base}{KEV_PATH}")),
        ("STEWARD_FEEDS_ENDOFLIFE_URL", format!("{base}/api/v1")),
    ];
    let (ok, _, stderr) = sync(work.path(), &[], &env).await;
    assert!(ok, "{stderr}");
    let mirror_dir = work.path().join("data/feeds/mirror");
    let before = snapshot(&mirror_dir);
    let loaded_before = load(&mirror_dir);

    // Break every feed a different way.
    let later = "Thu, 03 Dec 2026 10:00:00 GMT";
    let mut kev = publisher.get(KEV_PATH);
    kev.fail = true;
    publisher.put(KEV_PATH, kev);
    let whole = publisher.get("/crates.io/all.zip").body;
    let truncated = whole[..whole.len() / 2].to_vec();
    publisher.put("/crates.io/all.zip", Served::new(truncated, later));
    let outside = vec![(
        "../../escaped.json".to_owned(),
        b"{\"id\": \"X-1\"}".to_vec(),
    )];
    publisher.put("/Go/all.zip", Served::new(zip_of(&outside), later));
    publisher.put("/PSF/all.zip", Served::new(oversized_zip(), later));
    let mut product = publisher.get("/api/v1/products/debian");
    product.fail = true;
    publisher.put("/api/v1/products/debian", product);
    let list = publisher.get("/api/v1/products");
    let mut changed_list = (*list.body).clone();
    changed_list.push(b'\n');
    publisher.put("/api/v1/products", Served::new(changed_list, later));

    let (ok, feeds, stderr) = sync(work.path(), &[], &env).await;
    assert!(!ok, "a failed feed fails the sync: {stderr}");
    let error = |feed: &str| {
        assert_eq!(feeds[feed]["outcome"], "failed", "{:#}", feeds[feed]);
        feeds[feed]["error"].as_str().unwrap().to_owned()
    };
    assert!(error("kev").contains("HTTP 500"), "{}", error("kev"));
    assert!(error("kev").contains(KEV_PATH), "the error names the URL");
    assert!(error("osv/crates.io").contains("not a zip archive"));
    assert!(error("osv/Go").contains("\"../../escaped.json\" points outside the archive"));
    assert!(error("osv/PSF").contains("exceed the limit of 2147483648 bytes"));
    let eol = error("endoflife.date");
    assert!(eol.contains("1 of 464 product downloads failed"), "{eol}");
    assert!(eol.contains("/api/v1/products/debian: HTTP 500"), "{eol}");
    assert!(stderr.contains("previous copy kept"), "{stderr}");

    // Every previous copy is in place, byte for byte, and still loads.
    assert_eq!(snapshot(&mirror_dir), before);
    assert!(!work.path().join("escaped.json").exists());
    let loaded_after = load(&mirror_dir);
    assert_eq!(
        loaded_after.advisories.len(),
        loaded_before.advisories.len()
    );
    assert_eq!(cycles(&loaded_after), cycles(&loaded_before));

    // Once the publisher is well again, its unchanged files are asked for conditionally.
    publish_data(&publisher, &folders, &base);
    publisher.take_hits();
    let (ok, feeds, stderr) = sync(work.path(), &[], &env).await;
    assert!(ok, "{stderr}");
    assert!(
        feeds.values().all(|f| f["outcome"] == "not_modified"),
        "{feeds:#?}"
    );
    assert!(publisher.take_hits().iter().all(|h| h.status == 304));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_feed_settings_are_errors_that_name_the_key() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("steward.toml"),
        "[feeds]\nkev_uri = \"x\"\n",
    )
    .unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["feeds", "sync", "--data-dir"])
        .arg(work.path().join("data"))
        .current_dir(work.path())
        .env_remove("STEWARD_CONFIG")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("kev_uri"), "{stderr}");
    assert!(!work.path().join("data/feeds/mirror").exists());
}

/// A small zip whose one entry declares 3.75 GiB once decompressed.
fn oversized_zip() -> Vec<u8> {
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("PSF-1.json", options).unwrap();
    zip.write_all(b"{\"id\": \"PSF-1\"}").unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    let declared = 0xF000_0000_u32.to_le_bytes();
    // The uncompressed size sits 22 bytes into a local header and 24 into a central one.
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
        bytes[at..at + 4].copy_from_slice(&declared);
    }
    bytes
}

/// Every file under `root` with its content.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}
