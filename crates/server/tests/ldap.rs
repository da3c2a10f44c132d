//! Directory sign-in against a real OpenLDAP `slapd` that the test starts on a free loopback
//! port from a generated configuration, loaded with `ldapmodify`. People sign in over HTTP through
//! the login form: the mapped role, throttling, unmapped and hostile names, role refresh, and a
//! stopped directory while a local administrator still signs in.
//!
//! Without `slapd` and `ldapmodify` (Debian `slapd`, `ldap-utils`) the test skips with a reason,
//! unless `STEWARD_REQUIRE_LDAP=1`, which `.ci/run` sets, makes that a failure.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use steward_api::access::{Role, UserSource};
use steward_server::Settings;
use steward_server::access::directory::{Directory, DirectoryError, LdapSettings};
use steward_server::access::passwords;
use steward_store::{Actor, NewUser, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SUFFIX: &str = "dc=example,dc=org";
const ROOT_DN: &str = "cn=root,dc=example,dc=org";
const ROOT_PASSWORD: &str = "root-secret";
const READER_DN: &str = "cn=reader,dc=example,dc=org";
const READER_PASSWORD: &str = "reader-secret";
const LOCAL_PASSWORD: &str = "local admin password";

/// A running slapd, stopped when dropped.
struct Slapd {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a program is, on `PATH` or in the sbin folders root's `PATH` has.
fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// slapd and ldapmodify, or `None` (after saying why) when the test may skip.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let found = (program("slapd"), program("ldapmodify"));
    if let (Some(slapd), Some(ldapmodify)) = found {
        return Some((slapd, ldapmodify));
    }
    let required = std::env::var("STEWARD_REQUIRE_LDAP").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "STEWARD_REQUIRE_LDAP=1 but slapd or ldapmodify is missing: \
         install Debian slapd and ldap-utils"
    );
    eprintln!("ldap: skipped, slapd or ldapmodify is missing (Debian packages slapd, ldap-utils)");
    None
}

fn config(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "include /etc/ldap/schema/core.schema\n\
         include /etc/ldap/schema/cosine.schema\n\
         include /etc/ldap/schema/nis.schema\n\
         include /etc/ldap/schema/inetorgperson.schema\n\
         modulepath /usr/lib/ldap\n\
         moduleload back_mdb\n\
         moduleload memberof\n\
         pidfile {d}/slapd.pid\n\
         database mdb\n\
         maxsize 10485760\n\
         suffix \"{SUFFIX}\"\n\
         rootdn \"{ROOT_DN}\"\n\
         rootpw {ROOT_PASSWORD}\n\
         directory {d}/db\n\
         overlay memberof\n\
         access to attrs=userPassword by anonymous auth by * none\n\
         access to * by dn.exact=\"{READER_DN}\" read by self read by * none\n"
    )
}

/// People and groups: alice is an administrator and an auditor (groupOfNames), bob an
/// operator (posixGroup memberUid), carol only in an unmapped group, dave an auditor.
fn people() -> String {
    let person = |uid: &str| {
        format!(
            "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\n\
             cn: {uid}\nsn: {uid}\nuserPassword: {uid}-password\n\n"
        )
    };
    let group = |cn: &str, members: &[&str]| {
        let mut g =
            format!("dn: cn={cn},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {cn}\n");
        for m in members {
            g.push_str(&format!("member: uid={m},ou=people,{SUFFIX}\n"));
        }
        g + "\n"
    };
    let mut ldif = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\n\
         dc: example\n\n\
         dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
         cn: reader\nuserPassword: {READER_PASSWORD}\n\n\
         dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n"
    );
    for uid in ["alice", "bob", "carol", "dave"] {
        ldif.push_str(&person(uid));
    }
    ldif.push_str(&group("admins", &["alice"]));
    ldif.push_str(&group("auditors", &["alice", "dave"]));
    ldif.push_str(&group("staff", &["carol", "alice"]));
    ldif.push_str(&format!(
        "dn: cn=ops,ou=groups,{SUFFIX}\nobjectClass: posixGroup\ncn: ops\ngidNumber: 5000\n\
         memberUid: bob\n\n"
    ));
    ldif
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Applies LDIF with ldapmodify as the root DN: entries to add, or (`changes`) change records.
fn ldap_change(ldapmodify: &Path, url: &str, ldif: &str, dir: &Path, changes: bool) {
    let file = dir.join("change.ldif");
    std::fs::write(&file, ldif).unwrap();
    let mut command = Command::new(ldapmodify);
    if !changes {
        command.arg("-a");
    }
    let out = command
        .args(["-x", "-H", url, "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ldapmodify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts slapd on a free loopback port and loads [`people`].
async fn start_slapd(slapd: &Path, ldapmodify: &Path) -> Slapd {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("db")).unwrap();
    let conf = dir.path().join("slapd.conf");
    std::fs::write(&conf, config(dir.path())).unwrap();
    let port = free_port();
    let url = format!("ldap://127.0.0.1:{port}");
    let log = std::fs::File::create(dir.path().join("slapd.log")).unwrap();
    let child = Command::new(slapd)
        .arg("-f")
        .arg(&conf)
        .args(["-h", &format!("{url}/"), "-d", "0"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let running = Slapd { child, url, dir };
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            ldap_change(
                ldapmodify,
                &running.url,
                &people(),
                running.dir.path(),
                false,
            );
            return running;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(running.dir.path().join("slapd.log")).unwrap();
    panic!("slapd did not listen on {}: {log}", running.url);
}

fn directory_settings(url: &str) -> LdapSettings {
    let text = format!(
        "url = \"{url}\"\n\
         bind_dn = \"{READER_DN}\"\n\
         bind_password = \"{READER_PASSWORD}\"\n\
         user_base = \"ou=people,{SUFFIX}\"\n\
         group_base = \"ou=groups,{SUFFIX}\"\n\
         timeout_secs = 3\n\
         [roles]\n\
         administrator = [\"cn=admins,ou=groups,{SUFFIX}\"]\n\
         operator = [\"cn=ops,ou=groups,{SUFFIX}\"]\n\
         auditor = [\"CN=Auditors, ou=groups,{SUFFIX}\"]\n"
    );
    toml::from_str(&text).unwrap()
}

/// One HTTP/1.1 exchange with the server; the whole answer as text.
async fn http(addr: std::net::SocketAddr, request: &str) -> String {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Posts the login form; the answer.
async fn sign_in(addr: std::net::SocketAddr, name: &str, password: &str) -> String {
    let form = serde_urlencoded::to_string([("name", name), ("password", password)]).unwrap();
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    http(addr, &request).await
}

fn status(answer: &str) -> &str {
    answer.get(9..12).unwrap_or("")
}

/// The session cookie a successful sign-in set.
fn session(answer: &str) -> String {
    let line = answer
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: steward_session=")
        })
        .unwrap_or_else(|| panic!("no session cookie in {answer}"));
    line["set-cookie: ".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The role `/api/v1/me` reports for a session.
async fn role_of(addr: std::net::SocketAddr, cookie: &str) -> String {
    let request = format!(
        "GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Cookie: {cookie}\r\n\r\n"
    );
    let answer = http(addr, &request).await;
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let me: serde_json::Value = serde_json::from_str(body).unwrap();
    me["role"].as_str().unwrap_or_default().to_owned()
}

async fn serve(store: Arc<dyn Store>, directory: Directory) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings {
        ldap: Some(Arc::new(directory)),
        ..Settings::default()
    };
    tokio::spawn(steward_server::serve(
        listener,
        store,
        settings,
        std::future::pending(),
    ));
    addr
}

async fn local_admin(store: &dyn Store) {
    let actor = Actor::Cli("test".into());
    let hash = passwords::hash(LOCAL_PASSWORD).await.unwrap();
    let user = NewUser {
        name: "root".into(),
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
}

#[tokio::test]
async fn directory_users_sign_in_with_their_groups_role_and_nobody_else_does() {
    let Some((slapd_bin, ldapmodify)) = tools() else {
        return;
    };
    for test in support::stores("ldap_sign_in").await {
        let mut slapd = start_slapd(&slapd_bin, &ldapmodify).await;
        let store = test.store.clone();
        local_admin(store.as_ref()).await;
        let directory = Directory::new(directory_settings(&slapd.url)).unwrap();
        let addr = serve(store.clone(), directory).await;
        let backend = test.backend;

        // Right password: a session with the strongest mapped role (admins beats auditors).
        let alice = sign_in(addr, "alice", "alice-password").await;
        assert_eq!(status(&alice), "303", "{backend}: {alice}");
        assert_eq!(role_of(addr, &session(&alice)).await, "administrator");
        let bob = sign_in(addr, "bob", "bob-password").await;
        assert_eq!(role_of(addr, &session(&bob)).await, "operator", "{backend}");
        let record = store.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!(record.user.source, UserSource::Ldap);
        assert_eq!(
            record.password_hash, "",
            "directory users have no local password"
        );
        assert!(!record.user.must_change_password);

        // The users page says where each user comes from, and offers no reset for alice.
        let request = format!(
            "GET /users HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: {}\r\n\r\n",
            session(&alice)
        );
        let page = http(addr, &request).await;
        let row = page
            .split("<tr>")
            .find(|row| row.contains("<td>alice</td>"))
            .unwrap_or_else(|| panic!("{backend}: alice is not listed"));
        assert!(row.contains("directory (LDAP)"), "{backend}: {row}");
        assert!(!row.contains("Reset password"), "{backend}: {row}");

        // A directory user's password cannot be reset here.
        let reset =
            steward_server::access::reset_password(store.as_ref(), record.user.id, &test_actor())
                .await
                .unwrap_err();
        assert!(reset.to_string().contains("directory"), "{reset}");

        // In no mapped group: refused although the password is right.
        let carol = sign_in(addr, "carol", "carol-password").await;
        assert_eq!(status(&carol), "403", "{backend}: {carol}");
        assert!(
            carol.contains("no group that gives a Steward role"),
            "{carol}"
        );
        assert!(store.user_by_name("carol").await.unwrap().is_none());

        // Hostile names match nobody, even with a real password.
        for name in ["*)(uid=*", "*", "alice)(|(uid=*", "al*", "alice\\2a"] {
            let answer = sign_in(addr, name, "alice-password").await;
            assert_eq!(status(&answer), "401", "{backend} {name:?}: {answer}");
        }

        // Wrong password: refused, and after five the right one is throttled too.
        for _ in 0..5 {
            let answer = sign_in(addr, "dave", "wrong").await;
            assert_eq!(status(&answer), "401", "{backend}: {answer}");
        }
        let throttled = sign_in(addr, "dave", "dave-password").await;
        assert_eq!(status(&throttled), "429", "{backend}: {throttled}");

        // The role follows the groups at the next sign-in.
        let moved = format!(
            "dn: cn=ops,ou=groups,{SUFFIX}\nchangetype: modify\ndelete: memberUid\n\
             memberUid: bob\n\ndn: cn=auditors,ou=groups,{SUFFIX}\nchangetype: modify\n\
             add: member\nmember: uid=bob,ou=people,{SUFFIX}\n"
        );
        ldap_change(&ldapmodify, &slapd.url, &moved, slapd.dir.path(), true);
        let bob = sign_in(addr, "bob", "bob-password").await;
        assert_eq!(role_of(addr, &session(&bob)).await, "auditor", "{backend}");

        // Every outcome is in the audit log, and the chain holds.
        let entries = store
            .audit_entries(&steward_api::resources::PageRequest {
                limit: Some(500),
                cursor: None,
            })
            .await
            .unwrap();
        let actions: Vec<String> = entries
            .items
            .iter()
            .map(|e| format!("{} {} {}", e.action, e.actor, e.target))
            .collect();
        let has = |needle: &str| actions.iter().any(|a| a.contains(needle));
        assert!(has("session.sign_in user:alice"), "{actions:?}");
        assert!(has("user.create user:alice"), "{actions:?}");
        assert!(has("user.update user:bob"), "{actions:?}");
        assert!(has("session.sign_in_failed"), "{actions:?}");
        assert!(store.verify_audit().await.unwrap().broken.is_none());

        // A directory user with a second factor is asked for a code after the password.
        let alice_id = store.user_by_name("alice").await.unwrap().unwrap().user.id;
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        store
            .set_totp_secret(alice_id, Some(secret), &test_actor(), Timestamp::now())
            .await
            .unwrap();
        let asked = sign_in(addr, "alice", "alice-password").await;
        assert_eq!(status(&asked), "303", "{backend}: {asked}");
        assert!(
            asked.contains("location: /login/code"),
            "{backend}: {asked}"
        );
        assert!(!asked.contains("steward_session="), "{backend}: {asked}");

        // The directory stops: a clear answer, and the local administrator still signs in.
        drop_slapd(&mut slapd);
        let down = sign_in(addr, "alice", "alice-password").await;
        assert_eq!(status(&down), "503", "{backend}: {down}");
        assert!(down.contains("cannot be reached"), "{down}");
        let root = sign_in(addr, "root", LOCAL_PASSWORD).await;
        assert_eq!(status(&root), "303", "{backend}: {root}");
        assert_eq!(role_of(addr, &session(&root)).await, "administrator");

        drop(slapd);
        test.cleanup().await;
    }
}

fn drop_slapd(slapd: &mut Slapd) {
    slapd.child.kill().unwrap();
    slapd.child.wait().unwrap();
}

fn test_actor() -> Actor {
    Actor::Cli("test".into())
}

#[tokio::test]
async fn hostile_names_reach_the_directory_escaped_and_match_nobody() {
    let Some((slapd_bin, ldapmodify)) = tools() else {
        return;
    };
    let slapd = start_slapd(&slapd_bin, &ldapmodify).await;
    let directory = Directory::new(directory_settings(&slapd.url)).unwrap();

    let alice = directory.sign_in("alice", "alice-password").await.unwrap();
    assert_eq!(alice.dn, format!("uid=alice,ou=people,{SUFFIX}"));
    assert_eq!(alice.role, Some(Role::Administrator));
    // Unescaped, `*` would match all four people and `*)(uid=*` would be a broken filter.
    for name in ["*", "*)(uid=*", "a*", "*)(objectClass=*"] {
        let refused = directory.sign_in(name, "alice-password").await.unwrap_err();
        assert!(
            matches!(refused, DirectoryError::Refused("unknown name")),
            "{name:?}: {refused:?}"
        );
    }
    // An empty password would be an anonymous bind, which LDAP accepts.
    let empty = directory.sign_in("alice", "").await.unwrap_err();
    assert!(matches!(empty, DirectoryError::Refused(_)), "{empty:?}");

    // The direct-bind form escapes the name for the DN.
    let mut settings = directory_settings(&slapd.url);
    settings.user_dn_template = Some(format!("uid={{user}},ou=people,{SUFFIX}"));
    let direct = Directory::new(settings).unwrap();
    assert_eq!(
        direct.sign_in("dave", "dave-password").await.unwrap().role,
        Some(Role::Auditor)
    );
    let refused = direct
        .sign_in("alice,ou=people", "alice-password")
        .await
        .unwrap_err();
    assert!(matches!(refused, DirectoryError::Refused(_)), "{refused:?}");
}
