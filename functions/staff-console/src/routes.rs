//! The console's pages as a route table (`frontdesk::http_edge::Routes`): an unknown path
//! is a 404, a known path with another method a 405 naming the allowed ones.

use std::sync::OnceLock;

use frontdesk::http_edge::Routes;
use http::Method;

/// Every page and form target of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Css,
    InviteJs,
    SignInForm,
    SignIn,
    InviteForm,
    AcceptInvite,
    Home,
    SignOut,
    Sessions,
    EndSession,
    Inbox,
    Thread,
    Reply,
    LinkThread,
    Tasks,
    TaskAction,
    Patient,
    Staff,
    InviteStaff,
}

const TABLE: &[(Method, &str, Page)] = &[
    (Method::GET, "/console/static/console.css", Page::Css),
    (Method::GET, "/console/static/invite.js", Page::InviteJs),
    (Method::GET, "/console/sign-in", Page::SignInForm),
    (Method::POST, "/console/sign-in", Page::SignIn),
    (Method::GET, "/console/invite", Page::InviteForm),
    (Method::POST, "/console/invite", Page::AcceptInvite),
    (Method::GET, "/console", Page::Home),
    (Method::POST, "/console/sign-out", Page::SignOut),
    (Method::GET, "/console/sessions", Page::Sessions),
    (Method::POST, "/console/sessions/end", Page::EndSession),
    (Method::GET, "/console/inbox", Page::Inbox),
    (Method::GET, "/console/threads/{id}", Page::Thread),
    (Method::POST, "/console/threads/{id}/reply", Page::Reply),
    (Method::POST, "/console/threads/{id}/link", Page::LinkThread),
    (Method::GET, "/console/tasks", Page::Tasks),
    (
        Method::POST,
        "/console/tasks/{id}/{action}",
        Page::TaskAction,
    ),
    (Method::GET, "/console/patients/{id}", Page::Patient),
    (Method::GET, "/console/staff", Page::Staff),
    (Method::POST, "/console/staff", Page::InviteStaff),
];

/// The table as a router (built once; a rejected template leaves an empty router, which
/// the test below catches).
pub fn routes() -> &'static Routes<Page> {
    static ROUTES: OnceLock<Routes<Page>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        Routes::new(TABLE.iter().cloned()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "console route table rejected by the router");
            Routes::empty()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk::http_edge::Miss;

    #[test]
    fn every_page_is_matched_and_other_methods_are_405_with_allow() {
        assert!(Routes::new(TABLE.iter().cloned()).is_ok());
        for (method, template, page) in TABLE {
            let path = template
                .replace("{id}", "x1")
                .replace("{action}", "resolve");
            assert_eq!(
                routes().at(method, &path).map(|(p, _)| p),
                Ok(*page),
                "{path}"
            );
        }
        let (_, params) = routes()
            .at(&Method::POST, "/console/tasks/t-1/snooze/")
            .unwrap();
        assert_eq!(
            (params.get("id"), params.get("action")),
            (Some("t-1"), Some("snooze"))
        );
        assert_eq!(
            routes()
                .at(&Method::DELETE, "/console/staff")
                .map(|(p, _)| p),
            Err(Miss::MethodNotAllowed("GET, POST".into()))
        );
        assert_eq!(
            routes().at(&Method::GET, "/console/nope").map(|(p, _)| p),
            Err(Miss::NotFound)
        );
    }
}
