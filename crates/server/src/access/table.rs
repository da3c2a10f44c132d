//! The access table: every route with the permission it needs, and which role holds which
//! permission.
//!
//! Routes are declared through [`Routes`], which records each route's rule as it adds the
//! handler, so the router and the table cannot drift apart: a route cannot be added without a
//! rule, and the route × role test walks the same list the guard enforces.
//!
//! Roles, decided for what Steward does today:
//!
//! | permission | administrator | operator | auditor | requester |
//! | --- | --- | --- | --- | --- |
//! | `Account`: own account, sign-out | yes | yes | yes | yes |
//! | `ReadInventory`: hosts, software, reviews | yes | yes | yes | no |
//! | `ChangeInventory`: tags, identity reviews, revoke a host's agent | yes | yes | no | no |
//! | `ReadEnrollment`: list enrollment tokens | yes | yes | yes | no |
//! | `ManageEnrollment`: create and revoke enrollment tokens | yes | yes | no | no |
//! | `ReadAccess`: list users and API tokens | yes | no | yes | no |
//! | `ManageAccess`: users, passwords, API tokens | yes | no | no | no |
//! | `ReadAudit`: the audit log | yes | no | yes | no |
//! | `ReadAssessment`: findings, advisories, lifecycle, feeds | yes | yes | yes | no |
//! | `JudgeFindings`: accept a risk, mark a false positive, reopen | yes | yes | no | no |

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use steward_api::access::Role;

use crate::AppState;

/// Something a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See and change one's own account; sign out.
    Account,
    /// Read hosts, software and identity reviews.
    ReadInventory,
    /// Change tags, resolve identity reviews, revoke a host's agent credentials.
    ChangeInventory,
    /// List agent enrollment tokens.
    ReadEnrollment,
    /// Create and revoke agent enrollment tokens.
    ManageEnrollment,
    /// List users and API tokens.
    ReadAccess,
    /// Create, change and reset users; create and revoke API tokens.
    ManageAccess,
    /// Read and verify the audit log.
    ReadAudit,
    /// Read findings, advisories, lifecycle status and feeds.
    ReadAssessment,
    /// Record verdicts on findings.
    JudgeFindings,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: sign-in, health, metrics, static files, the OpenAPI document, and the agent
    /// endpoints, which check agent credentials themselves.
    Public,
    /// A signed-in user or an API token whose role holds the permission.
    Requires(Permission),
}

/// The permissions of each role: the one place that says who may do what.
const ROLE_PERMISSIONS: &[(Role, &[Permission])] = {
    use Permission::*;
    &[
        (
            Role::Administrator,
            &[
                Account,
                ReadInventory,
                ChangeInventory,
                ReadEnrollment,
                ManageEnrollment,
                ReadAccess,
                ManageAccess,
                ReadAudit,
                ReadAssessment,
                JudgeFindings,
            ],
        ),
        (
            Role::Operator,
            &[
                Account,
                ReadInventory,
                ChangeInventory,
                ReadEnrollment,
                ManageEnrollment,
                ReadAssessment,
                JudgeFindings,
            ],
        ),
        (
            Role::Auditor,
            &[
                Account,
                ReadInventory,
                ReadEnrollment,
                ReadAccess,
                ReadAudit,
                ReadAssessment,
            ],
        ),
        (Role::Requester, &[Account]),
    ]
};

/// Whether a role holds a permission.
pub fn allows(role: Role, permission: Permission) -> bool {
    ROLE_PERMISSIONS
        .iter()
        .any(|(r, permissions)| *r == role && permissions.contains(&permission))
}

/// One route and who may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRule {
    /// HTTP method.
    pub method: Method,
    /// Path pattern as the router spells it, e.g. `/api/v1/hosts/{id}`.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

/// Routes with their rules, built together.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<RouteRule>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.router = self.router.route(path, handler);
        self.rules.push(RouteRule {
            method,
            path,
            access,
        });
        self
    }

    /// Adds a `GET` route.
    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, get(handler))
    }

    /// Adds a `POST` route.
    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, post(handler))
    }

    /// Adds a `PUT` route.
    pub fn put<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PUT, path, access, put(handler))
    }

    /// Adds a `PATCH` route.
    pub fn patch<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PATCH, path, access, patch(handler))
    }

    /// Adds a `DELETE` route.
    pub fn delete<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::DELETE, path, access, delete(handler))
    }

    /// Adds every route of `other`.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }

    /// Applies a layer to the routes added so far (not to later ones).
    pub fn layer_all<L>(mut self, layer: L) -> Routes
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<axum::extract::Request> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Response:
            axum::response::IntoResponse + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Error:
            Into<std::convert::Infallible> + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
    {
        self.router = self.router.layer(layer);
        self
    }

    /// The router and the rules.
    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteRule>) {
        (self.router, self.rules)
    }
}

/// The rule for a request, by method and matched path; `HEAD` follows `GET`.
pub fn find<'a>(rules: &'a [RouteRule], method: &Method, path: &str) -> Option<&'a RouteRule> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    rules.iter().find(|r| r.method == *method && r.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_in_the_table_and_only_administrators_manage_access() {
        for role in Role::ALL {
            assert!(ROLE_PERMISSIONS.iter().any(|(r, _)| *r == role), "{role}");
            assert!(allows(role, Permission::Account));
        }
        let managers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| allows(*r, Permission::ManageAccess))
            .collect();
        assert_eq!(managers, [Role::Administrator]);
        assert!(!allows(Role::Auditor, Permission::ChangeInventory));
        assert!(allows(Role::Auditor, Permission::ReadAudit));
        assert!(!allows(Role::Operator, Permission::ReadAudit));
        assert!(!allows(Role::Requester, Permission::ReadInventory));
    }
}
