//! The state every handler shares: the store, the server's settings and the access table;
//! nothing that outlives a request is kept anywhere else.

use std::sync::Arc;

use steward_store::Store;

use crate::access::RouteRule;

/// Settings of the HTTP server.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Mark cookies `Secure`: set when clients reach the server over HTTPS (directly or through
    /// a proxy that terminates TLS); browsers then never send the session over plain HTTP.
    pub secure_cookies: bool,
    /// Roles whose users must sign in with a TOTP second factor; until they set one up they
    /// reach only their account.
    pub require_totp: Vec<steward_api::access::Role>,
    /// The site's directory (LDAP), when people may sign in with their directory account.
    pub ldap: Option<Arc<crate::access::directory::Directory>>,
}

/// Handler state.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Server settings.
    pub settings: Arc<Settings>,
    /// Every route's access rule, as the guard enforces it.
    pub rules: Arc<Vec<RouteRule>>,
}

impl AppState {
    /// State over a store.
    pub fn new(store: Arc<dyn Store>, settings: Settings, rules: Vec<RouteRule>) -> AppState {
        AppState {
            store,
            settings: Arc::new(settings),
            rules: Arc::new(rules),
        }
    }
}
