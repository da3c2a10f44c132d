//! The frame every page shares: the navigation (only what the caller may open), the signed-in
//! user with the sign-out form, and the CSRF token every form of the page carries.

use crate::access::{Permission, Principal, Via};

/// What `base.html` needs to know about the caller.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The signed-in user's or token's name; `None` on the sign-in page.
    pub user: Option<String>,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    /// Show the inventory pages.
    pub inventory: bool,
    /// Show the findings and lifecycle pages.
    pub assessment: bool,
    /// Show the audit log.
    pub audit: bool,
    /// Show the users and tokens page.
    pub access: bool,
    /// Show the sign-out form (sessions only).
    pub session: bool,
}

impl Chrome {
    /// The frame for a caller.
    pub fn for_caller(principal: &Principal) -> Chrome {
        Chrome {
            user: Some(principal.name.clone()),
            csrf: principal.csrf().to_owned(),
            inventory: principal.may(Permission::ReadInventory),
            assessment: principal.may(Permission::ReadAssessment),
            audit: principal.may(Permission::ReadAudit),
            access: principal.may(Permission::ReadAccess),
            session: matches!(principal.via, Via::Session { .. }),
        }
    }
}
