//! Sign-in through the site's directory (LDAP): the `[ldap]` settings, the bind that checks a
//! password, and the mapping from the user's groups to a Steward role.
//!
//! A sign-in finds the user's entry (a search with the service account, or a DN template),
//! binds as that entry with the typed password, then collects the user's groups (the
//! `memberOf` attribute and a group search) and gives the strongest role any of them maps to.
//! The typed name is escaped for filters (RFC 4515) and DNs (RFC 4514), so it can never widen
//! a search; an empty password is refused before any bind, since LDAP treats a bind with no
//! password as an anonymous one that succeeds. Every exchange with the directory runs under
//! one deadline.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, SearchOptions};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Deserialize;
use steward_api::access::Role;

/// Longest name sent to the directory.
pub const MAX_NAME: usize = 256;
/// Longest password sent to the directory.
const MAX_PASSWORD: usize = 1024;
/// Most groups read for one user.
const MAX_GROUPS: i32 = 1000;
/// Largest CA file read.
const MAX_CA_FILE: u64 = 1024 * 1024;
/// LDAP's result code for a wrong password or an unknown bind DN.
const INVALID_CREDENTIALS: u32 = 49;
/// LDAP's result code when a search matched more entries than allowed.
const SIZE_LIMIT_EXCEEDED: u32 = 4;

/// The `[ldap]` section of the settings.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapSettings {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before sending any password.
    #[serde(default)]
    pub starttls: bool,
    /// PEM file of the certificate authorities that sign the directory's certificate; the
    /// system's trusted roots when absent.
    pub ca_file: Option<PathBuf>,
    /// DN of the service account that searches for users and groups; anonymous when absent.
    pub bind_dn: Option<String>,
    /// Password of `bind_dn`.
    pub bind_password: Option<String>,
    /// Bind directly as this DN, `{user}` replaced by the typed name, instead of searching.
    pub user_dn_template: Option<String>,
    /// Where users are searched.
    pub user_base: Option<String>,
    /// Filter that finds one user; `{user}` is replaced by the escaped typed name.
    #[serde(default = "default_user_filter")]
    pub user_filter: String,
    /// Where groups are searched; no group search when absent.
    pub group_base: Option<String>,
    /// Filter of the user's groups: `{dn}` is the user's DN, `{user}` the typed name, both
    /// escaped.
    #[serde(default = "default_group_filter")]
    pub group_filter: String,
    /// The user entry's attribute listing their groups' DNs; empty to not read one.
    #[serde(default = "default_member_of")]
    pub member_of_attribute: String,
    /// Seconds one sign-in may wait for the directory.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Which groups give which role.
    #[serde(default)]
    pub roles: RoleGroups,
}

fn default_user_filter() -> String {
    "(uid={user})".into()
}

fn default_group_filter() -> String {
    "(|(member={dn})(uniqueMember={dn})(memberUid={user}))".into()
}

fn default_member_of() -> String {
    "memberOf".into()
}

fn default_timeout() -> u64 {
    5
}

impl fmt::Debug for LdapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The service account's password stays out of every log line.
        f.debug_struct("LdapSettings")
            .field("url", &self.url)
            .field("starttls", &self.starttls)
            .field("bind_dn", &self.bind_dn)
            .field("user_dn_template", &self.user_dn_template)
            .field("user_base", &self.user_base)
            .field("group_base", &self.group_base)
            .finish_non_exhaustive()
    }
}

/// `[ldap.roles]`: the DNs of the groups that give each role.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleGroups {
    /// Groups whose members are administrators.
    #[serde(default)]
    pub administrator: Vec<String>,
    /// Groups whose members are operators.
    #[serde(default)]
    pub operator: Vec<String>,
    /// Groups whose members are auditors.
    #[serde(default)]
    pub auditor: Vec<String>,
    /// Groups whose members are requesters.
    #[serde(default)]
    pub requester: Vec<String>,
}

impl RoleGroups {
    fn groups(&self, role: Role) -> &[String] {
        match role {
            Role::Administrator => &self.administrator,
            Role::Operator => &self.operator,
            Role::Auditor => &self.auditor,
            Role::Requester => &self.requester,
        }
    }

    /// The strongest role any of `groups` gives; DNs compare as [`normalize_dn`] writes them.
    pub fn strongest(&self, groups: &[String]) -> Option<Role> {
        let held: Vec<String> = groups.iter().map(|g| normalize_dn(g)).collect();
        Role::ALL.into_iter().find(|&role| {
            self.groups(role)
                .iter()
                .any(|g| held.contains(&normalize_dn(g)))
        })
    }
}

/// A DN for comparison: lower case, no spaces around `,` and `=`.
pub fn normalize_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.split('=').map(str::trim).collect::<Vec<_>>().join("="))
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

/// Why the directory did not sign someone in.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The settings cannot work; found at start.
    #[error("[ldap] {0}")]
    Settings(String),
    /// Unknown name, wrong or empty password, or a name that matches several entries.
    #[error("wrong name or password ({0})")]
    Refused(&'static str),
    /// The directory cannot be reached, refused the service account, or did not answer in
    /// time.
    #[error("the directory at {url} cannot be used: {message}")]
    Unavailable {
        /// The directory's URL.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// A person the directory signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// Their entry's DN.
    pub dn: String,
    /// DNs of their groups.
    pub groups: Vec<String>,
    /// The strongest role their groups give; `None` when no group maps to one.
    pub role: Option<Role>,
}

/// The site's directory, with checked settings.
#[derive(Debug, Clone)]
pub struct Directory {
    settings: LdapSettings,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Directory {
    /// Checks the settings and reads the CA file.
    pub fn new(settings: LdapSettings) -> Result<Directory, DirectoryError> {
        check(&settings)?;
        let tls = settings.ca_file.as_deref().map(client_config).transpose()?;
        Ok(Directory { settings, tls })
    }

    /// The directory's URL.
    pub fn url(&self) -> &str {
        &self.settings.url
    }

    /// Checks a name and password with the directory and finds the user's role.
    pub async fn sign_in(
        &self,
        name: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        if name.is_empty() || name.len() > MAX_NAME || name.contains('\0') {
            return Err(DirectoryError::Refused("name not accepted"));
        }
        if password.is_empty() || password.len() > MAX_PASSWORD || password.contains('\0') {
            return Err(DirectoryError::Refused("password not accepted"));
        }
        let deadline = Duration::from_secs(self.settings.timeout_secs);
        match tokio::time::timeout(deadline, self.exchange(name, password)).await {
            Ok(result) => result,
            Err(_) => {
                Err(self.unavailable(format!("no answer within {} s", self.settings.timeout_secs)))
            }
        }
    }

    async fn exchange(&self, name: &str, password: &str) -> Result<DirectoryUser, DirectoryError> {
        let mut ldap = self.connect().await?;
        let result = self.authenticate(&mut ldap, name, password).await;
        // The answer is known; a failed goodbye changes nothing.
        let _ = ldap.unbind().await;
        result
    }

    async fn authenticate(
        &self,
        ldap: &mut Ldap,
        name: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        let dn = match &self.settings.user_dn_template {
            Some(template) => template.replace("{user}", &ldap3::dn_escape(name)),
            None => {
                self.bind_service(ldap).await?;
                self.find_user(ldap, name).await?
            }
        };
        let bound = ldap.simple_bind(&dn, password).await;
        match bound.map_err(|e| self.failed("bind", e))?.rc {
            0 => {}
            INVALID_CREDENTIALS => return Err(DirectoryError::Refused("wrong password")),
            rc => return Err(self.unavailable(format!("bind as the user answered code {rc}"))),
        }

        if self.settings.bind_dn.is_some() {
            self.bind_service(ldap).await?;
        }
        let mut groups = self.member_of(ldap, &dn).await?;
        groups.extend(self.search_groups(ldap, name, &dn).await?);
        groups.sort();
        groups.dedup();
        let role = self.settings.roles.strongest(&groups);
        Ok(DirectoryUser { dn, groups, role })
    }

    async fn connect(&self) -> Result<Ldap, DirectoryError> {
        let deadline = Duration::from_secs(self.settings.timeout_secs);
        let mut options = LdapConnSettings::new()
            .set_conn_timeout(deadline)
            .set_starttls(self.settings.starttls);
        if let Some(tls) = &self.tls {
            options = options.set_config(tls.clone());
        }
        let (connection, ldap) = LdapConnAsync::with_settings(options, &self.settings.url)
            .await
            .map_err(|e| self.failed("connect", e))?;
        ldap3::drive!(connection);
        Ok(ldap)
    }

    async fn bind_service(&self, ldap: &mut Ldap) -> Result<(), DirectoryError> {
        let Some(dn) = &self.settings.bind_dn else {
            return Ok(());
        };
        let password = self.settings.bind_password.as_deref().unwrap_or_default();
        let result = ldap
            .simple_bind(dn, password)
            .await
            .map_err(|e| self.failed("service bind", e))?;
        match result.rc {
            0 => Ok(()),
            rc => Err(self.unavailable(format!(
                "the service account {dn:?} was refused (code {rc}): check bind_dn and \
                 bind_password"
            ))),
        }
    }

    /// The DN of the one entry the user filter finds for `name`.
    async fn find_user(&self, ldap: &mut Ldap, name: &str) -> Result<String, DirectoryError> {
        let base = self.settings.user_base.as_deref().unwrap_or_default();
        let filter = self
            .settings
            .user_filter
            .replace("{user}", &ldap3::ldap_escape(name));
        let found = ldap
            .with_search_options(SearchOptions::new().sizelimit(2))
            .search(base, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .map_err(|e| self.failed("user search", e))?;
        match found.1.rc {
            0 => {}
            SIZE_LIMIT_EXCEEDED => return Err(DirectoryError::Refused("name matches several")),
            rc => return Err(self.unavailable(format!("user search answered code {rc}"))),
        }
        let mut entries = found.0.into_iter().map(SearchEntry::construct);
        match (entries.next(), entries.next()) {
            (Some(entry), None) => Ok(entry.dn),
            (None, _) => Err(DirectoryError::Refused("unknown name")),
            (Some(_), Some(_)) => Err(DirectoryError::Refused("name matches several")),
        }
    }

    /// The groups the user entry itself lists.
    async fn member_of(&self, ldap: &mut Ldap, dn: &str) -> Result<Vec<String>, DirectoryError> {
        let attribute = self.settings.member_of_attribute.as_str();
        if attribute.is_empty() {
            return Ok(Vec::new());
        }
        let found = ldap
            .search(dn, Scope::Base, "(objectClass=*)", vec![attribute])
            .await
            .and_then(|r| r.success())
            .map_err(|e| self.failed("reading the user's groups", e))?;
        let groups = found
            .0
            .into_iter()
            .map(SearchEntry::construct)
            .flat_map(|e| {
                e.attrs
                    .into_iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(attribute))
                    .flat_map(|(_, v)| v)
            })
            .take(MAX_GROUPS as usize)
            .collect();
        Ok(groups)
    }

    /// The groups under `group_base` whose members include the user.
    async fn search_groups(
        &self,
        ldap: &mut Ldap,
        name: &str,
        dn: &str,
    ) -> Result<Vec<String>, DirectoryError> {
        let Some(base) = &self.settings.group_base else {
            return Ok(Vec::new());
        };
        let filter = self
            .settings
            .group_filter
            .replace("{dn}", &ldap3::ldap_escape(dn))
            .replace("{user}", &ldap3::ldap_escape(name));
        let found = ldap
            .with_search_options(SearchOptions::new().sizelimit(MAX_GROUPS))
            .search(base, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .map_err(|e| self.failed("group search", e))?;
        if found.1.rc != 0 && found.1.rc != SIZE_LIMIT_EXCEEDED {
            let rc = found.1.rc;
            return Err(self.unavailable(format!("group search answered code {rc}")));
        }
        Ok(found
            .0
            .into_iter()
            .map(|e| SearchEntry::construct(e).dn)
            .collect())
    }

    fn failed(&self, step: &str, error: LdapError) -> DirectoryError {
        self.unavailable(format!("{step}: {error}"))
    }

    fn unavailable(&self, message: String) -> DirectoryError {
        DirectoryError::Unavailable {
            url: self.settings.url.clone(),
            message,
        }
    }
}

/// Refuses settings that cannot work, naming the key.
fn check(s: &LdapSettings) -> Result<(), DirectoryError> {
    let fail = |m: &str| Err(DirectoryError::Settings(m.to_owned()));
    let ldaps = s.url.starts_with("ldaps://");
    if !ldaps && !s.url.starts_with("ldap://") {
        return fail("url must start with ldap:// or ldaps://");
    }
    if ldaps && s.starttls {
        return fail("starttls is for ldap:// URLs; ldaps:// is TLS from the start");
    }
    if s.bind_password.is_some() && s.bind_dn.is_none() {
        return fail("bind_password is set without bind_dn");
    }
    match (&s.user_dn_template, &s.user_base) {
        (Some(t), _) if !t.contains("{user}") => return fail("user_dn_template needs {user}"),
        (None, None) => return fail("set user_base (to search) or user_dn_template (to bind)"),
        (None, Some(_)) if !s.user_filter.contains("{user}") => {
            return fail("user_filter needs {user}");
        }
        _ => {}
    }
    if s.timeout_secs == 0 || s.timeout_secs > 60 {
        return fail("timeout_secs must be 1 to 60");
    }
    if Role::ALL.iter().all(|&r| s.roles.groups(r).is_empty()) {
        return fail("[ldap.roles] maps no group to a role, so nobody could sign in");
    }
    Ok(())
}

/// A TLS client configuration that trusts the certificate authorities in `path`.
fn client_config(path: &Path) -> Result<Arc<rustls::ClientConfig>, DirectoryError> {
    let fail = |m: String| DirectoryError::Settings(format!("ca_file {}: {m}", path.display()));
    let size = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if size > MAX_CA_FILE {
        return Err(fail(format!("larger than {MAX_CA_FILE} bytes")));
    }
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| fail(format!("not a PEM certificate: {e}")))?;
        roots.add(cert).map_err(|e| fail(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(fail("holds no CERTIFICATE block".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LdapSettings {
        toml_settings(
            "url = \"ldap://127.0.0.1:1\"\nuser_base = \"ou=people,dc=example,dc=org\"\n\
             [roles]\nadministrator = [\"cn=Admins, ou=groups,dc=example,dc=org\"]\n\
             auditor = [\"cn=auditors,ou=groups,dc=example,dc=org\"]",
        )
    }

    fn toml_settings(text: &str) -> LdapSettings {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_strongest_mapped_group_gives_the_role() {
        let s = settings();
        let groups = vec![
            "cn=auditors,ou=groups,dc=example,dc=org".to_owned(),
            "CN=admins,OU=groups, DC=example,DC=org".to_owned(),
        ];
        assert_eq!(s.roles.strongest(&groups), Some(Role::Administrator));
        assert_eq!(s.roles.strongest(&groups[..1]), Some(Role::Auditor));
        let other = vec!["cn=staff,ou=groups,dc=example,dc=org".to_owned()];
        assert_eq!(s.roles.strongest(&other), None);
    }

    #[test]
    fn settings_that_cannot_work_are_refused_with_their_key() {
        let mut s = settings();
        s.url = "http://x".into();
        assert!(Directory::new(s).unwrap_err().to_string().contains("url"));
        let mut s = settings();
        s.user_filter = "(uid=alice)".into();
        assert!(
            Directory::new(s)
                .unwrap_err()
                .to_string()
                .contains("user_filter")
        );
        let mut s = settings();
        s.roles = RoleGroups::default();
        assert!(
            Directory::new(s)
                .unwrap_err()
                .to_string()
                .contains("[ldap.roles]")
        );
        let mut s = settings();
        s.url = "ldaps://x".into();
        s.starttls = true;
        assert!(
            Directory::new(s)
                .unwrap_err()
                .to_string()
                .contains("starttls")
        );
        assert!(Directory::new(settings()).is_ok());
    }

    #[test]
    fn hostile_names_are_escaped_in_filters_and_dns() {
        assert_eq!(
            ldap3::ldap_escape("*)(uid=*"),
            "\\2a\\29\\28uid=\\2a",
            "RFC 4515: *, ( and ) become hex escapes"
        );
        assert_eq!(ldap3::ldap_escape("a\\b"), "a\\5cb");
        assert_eq!(ldap3::dn_escape("x,ou=admins"), "x\\2cou\\3dadmins");
    }

    #[tokio::test]
    async fn empty_passwords_never_reach_the_directory() {
        let directory = Directory::new(settings()).unwrap();
        let refused = directory.sign_in("alice", "").await.unwrap_err();
        assert!(matches!(refused, DirectoryError::Refused(_)), "{refused}");
    }

    #[tokio::test]
    async fn an_unreachable_directory_is_unavailable_not_refused() {
        let directory = Directory::new(settings()).unwrap();
        let error = directory.sign_in("alice", "secret").await.unwrap_err();
        assert!(
            matches!(error, DirectoryError::Unavailable { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("ldap://127.0.0.1:1"), "{error}");
    }
}
