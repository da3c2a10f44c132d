//! The state every handler shares: the store and nothing else that outlives a request.

use std::sync::Arc;

use steward_store::Store;

/// Handler state.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
}

impl AppState {
    /// State over a store.
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState { store }
    }
}
