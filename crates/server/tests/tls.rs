//! TLS serving: a self-signed certificate made for the test, the server on loopback over
//! TLS, a client that trusts only that certificate; the health check answers, sign-in sets a
//! `Secure` session cookie, and a plain-HTTP client gets no answer. Bad files are refused with
//! errors that name them.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use std::sync::Arc;

use jiff::Timestamp;
use rustls::pki_types::{CertificateDer, ServerName};
use steward_api::access::Role;
use steward_server::Settings;
use steward_server::access::passwords;
use steward_server::tls;
use steward_store::{Actor, NewUser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Served {
    addr: std::net::SocketAddr,
    cert: CertificateDer<'static>,
    _dir: tempfile::TempDir,
    _test: support::TestStore,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve_over_tls() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, made.cert.pem()).unwrap();
    std::fs::write(&key_path, made.signing_key.serialize_pem()).unwrap();
    let config = tls::server_config(&cert_path, &key_path).unwrap();

    let test = support::sqlite().await;
    let store = test.store.clone();
    let hash = passwords::hash("a long enough password").await.unwrap();
    let actor = Actor::Cli("test".into());
    let user = NewUser {
        name: "ada".into(),
        role: Role::Administrator,
        password_hash: hash.clone(),
    };
    let user = store
        .create_user(&user, &actor, Timestamp::now())
        .await
        .unwrap();
    store
        .set_password(user.id, &hash, false, None, &actor, Timestamp::now())
        .await
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        steward_server::serve_tls(listener, config, store, Settings::default(), shutdown)
            .await
            .unwrap();
    });
    Served {
        addr,
        cert: made.cert.der().clone(),
        _dir: dir,
        _test: test,
        _stop: stop,
    }
}

/// Sends one HTTP/1.1 request over TLS, trusting only the test's certificate.
async fn https(served: &Served, request: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(served.cert.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Offer HTTP/2 first, as browsers and curl do: the server must settle on what it serves.
    let mut config = config;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(served.addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_server_answers_over_tls_and_marks_the_session_cookie_secure() {
    let served = serve_over_tls().await;

    let health = https(
        &served,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(health.contains(r#"{"status":"ok"}"#), "{health}");
    assert!(
        health.contains("strict-transport-security: max-age=31536000\r\n"),
        "{health}"
    );

    let form = "name=ada&password=a+long+enough+password&next=%2Fhosts";
    let login = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let answer = https(&served, &login).await;
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: steward_session=")
        })
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
}

#[tokio::test]
async fn a_plain_http_request_to_the_tls_port_gets_no_http_answer() {
    let served = serve_over_tls().await;
    let mut tcp = TcpStream::connect(served.addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        tcp.read_to_end(&mut answer),
    )
    .await;
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));

    // The server still serves TLS clients after the failed handshake.
    let health = https(
        &served,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
}

#[test]
fn unusable_certificate_files_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, "not a certificate\n").unwrap();
    std::fs::write(&key, "not a key\n").unwrap();

    let err = tls::server_config(&cert, &key).err().unwrap().to_string();
    assert_eq!(
        err,
        format!("{}: holds no CERTIFICATE block", cert.display())
    );

    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(&cert, made.cert.pem()).unwrap();
    let err = tls::server_config(&cert, &key).err().unwrap().to_string();
    assert!(
        err.starts_with(&format!("{}: not a PEM private key", key.display())),
        "{err}"
    );

    let missing = dir.path().join("absent.pem");
    let err = tls::server_config(&missing, &key)
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with(&missing.display().to_string()), "{err}");
}
