//! Routes of the v1 API, matched with `matchit` (the router axum uses) on the HttpApi's own
//! `{param}` path templates. [`ROUTES`] is the list the OpenAPI document and `template.yaml`
//! are tested against; an unknown path is a 404, a known path with another method a 405
//! that names the allowed methods.

use std::sync::OnceLock;

use frontdesk::http_edge::{Miss, Routes};
use http::Method;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentAction {
    CheckIn,
    Complete,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    CreatePractice,
    GetPractice,
    PatchPractice,
    CreateApiKey,
    RevokeApiKey(String),
    ListPatients,
    ListAppointments,
    BatchPatients,
    BatchAppointments,
    PutPatient(String),
    GetPatient(String),
    ErasePatient(String),
    Timeline(String),
    PutAppointment(String),
    GetAppointment(String),
    Appointment(String, AppointmentAction),
    ListTasks,
    ResolveTask(String),
    ConsentHistory(String),
    GetTask(String),
    AssignTask(String),
    SnoozeTask(String),
    NoteTask(String),
    PatientMessage(String),
    ThreadMessage(String),
    LinkThread(String),
    Inbox,
    Thread(String),
    CreateStaff,
    ListStaff,
    DeleteStaff(String),
    ListReplies,
    CreateReply,
    UpdateReply(String),
    DeleteReply(String),
    PreviewReply(String),
    /// Public (no key): the signed link of every automated email.
    EmailPreferencesPage,
    EmailPreferencesPost,
    CreateWebhook,
    ListWebhooks,
    DeleteWebhook(String),
    RotateWebhook(String),
    CreateWaitlistEntry,
    ListWaitlist,
    DeleteWaitlistEntry(String),
    ReleaseAppointment(String),
    ClaimSlot(String),
    CreateBroadcast,
    GetBroadcast(String),
    CancelBroadcast(String),
}

/// The path parameters of a matched route.
pub struct Params<'a>(matchit::Params<'a, 'a>);

impl Params<'_> {
    fn get(&self, name: &str) -> String {
        self.0.get(name).unwrap_or_default().to_string()
    }
}

type Build = fn(&Params<'_>) -> Route;

/// Every operation: (method, path template, the route it is).
const TABLE: &[(&str, &str, Build)] = &[
    ("POST", "/v1/practices", |_| Route::CreatePractice),
    ("GET", "/v1/practice", |_| Route::GetPractice),
    ("PATCH", "/v1/practice", |_| Route::PatchPractice),
    ("POST", "/v1/practice/api-keys", |_| Route::CreateApiKey),
    ("DELETE", "/v1/practice/api-keys/{key_id}", |p| {
        Route::RevokeApiKey(p.get("key_id"))
    }),
    ("GET", "/v1/patients", |_| Route::ListPatients),
    ("GET", "/v1/appointments", |_| Route::ListAppointments),
    ("POST", "/v1/patients:batch", |_| Route::BatchPatients),
    ("POST", "/v1/appointments:batch", |_| {
        Route::BatchAppointments
    }),
    ("PUT", "/v1/patients/{patient_id}", |p| {
        Route::PutPatient(p.get("patient_id"))
    }),
    ("GET", "/v1/patients/{patient_id}", |p| {
        Route::GetPatient(p.get("patient_id"))
    }),
    ("DELETE", "/v1/patients/{patient_id}", |p| {
        Route::ErasePatient(p.get("patient_id"))
    }),
    ("GET", "/v1/patients/{patient_id}/timeline", |p| {
        Route::Timeline(p.get("patient_id"))
    }),
    ("GET", "/v1/patients/{patient_id}/consents/history", |p| {
        Route::ConsentHistory(p.get("patient_id"))
    }),
    ("PUT", "/v1/appointments/{appointment_id}", |p| {
        Route::PutAppointment(p.get("appointment_id"))
    }),
    ("GET", "/v1/appointments/{appointment_id}", |p| {
        Route::GetAppointment(p.get("appointment_id"))
    }),
    ("POST", "/v1/appointments/{appointment_id}/check-in", |p| {
        Route::Appointment(p.get("appointment_id"), AppointmentAction::CheckIn)
    }),
    ("POST", "/v1/appointments/{appointment_id}/complete", |p| {
        Route::Appointment(p.get("appointment_id"), AppointmentAction::Complete)
    }),
    ("POST", "/v1/appointments/{appointment_id}/cancel", |p| {
        Route::Appointment(p.get("appointment_id"), AppointmentAction::Cancel)
    }),
    ("POST", "/v1/appointments/{appointment_id}/release", |p| {
        Route::ReleaseAppointment(p.get("appointment_id"))
    }),
    ("GET", "/v1/tasks", |_| Route::ListTasks),
    ("POST", "/v1/tasks/{task_id}/resolve", |p| {
        Route::ResolveTask(p.get("task_id"))
    }),
    ("GET", "/v1/tasks/{task_id}", |p| {
        Route::GetTask(p.get("task_id"))
    }),
    ("POST", "/v1/tasks/{task_id}/assign", |p| {
        Route::AssignTask(p.get("task_id"))
    }),
    ("POST", "/v1/tasks/{task_id}/snooze", |p| {
        Route::SnoozeTask(p.get("task_id"))
    }),
    ("POST", "/v1/tasks/{task_id}/notes", |p| {
        Route::NoteTask(p.get("task_id"))
    }),
    ("POST", "/v1/patients/{patient_id}/messages", |p| {
        Route::PatientMessage(p.get("patient_id"))
    }),
    ("GET", "/v1/inbox", |_| Route::Inbox),
    ("GET", "/v1/threads/{thread_id}", |p| {
        Route::Thread(p.get("thread_id"))
    }),
    ("POST", "/v1/threads/{thread_id}/messages", |p| {
        Route::ThreadMessage(p.get("thread_id"))
    }),
    ("POST", "/v1/threads/{thread_id}/link", |p| {
        Route::LinkThread(p.get("thread_id"))
    }),
    ("POST", "/v1/staff", |_| Route::CreateStaff),
    ("GET", "/v1/staff", |_| Route::ListStaff),
    ("DELETE", "/v1/staff/{staff_id}", |p| {
        Route::DeleteStaff(p.get("staff_id"))
    }),
    ("GET", "/v1/practice/replies", |_| Route::ListReplies),
    ("POST", "/v1/practice/replies", |_| Route::CreateReply),
    ("PUT", "/v1/practice/replies/{reply_id}", |p| {
        Route::UpdateReply(p.get("reply_id"))
    }),
    ("DELETE", "/v1/practice/replies/{reply_id}", |p| {
        Route::DeleteReply(p.get("reply_id"))
    }),
    ("POST", "/v1/practice/replies/{reply_id}/preview", |p| {
        Route::PreviewReply(p.get("reply_id"))
    }),
    ("POST", "/v1/waitlist", |_| Route::CreateWaitlistEntry),
    ("GET", "/v1/waitlist", |_| Route::ListWaitlist),
    ("DELETE", "/v1/waitlist/{entry_id}", |p| {
        Route::DeleteWaitlistEntry(p.get("entry_id"))
    }),
    ("POST", "/v1/waitlist/slots/{appointment_id}/claim", |p| {
        Route::ClaimSlot(p.get("appointment_id"))
    }),
    ("POST", "/v1/broadcasts", |_| Route::CreateBroadcast),
    ("GET", "/v1/broadcasts/{broadcast_id}", |p| {
        Route::GetBroadcast(p.get("broadcast_id"))
    }),
    ("POST", "/v1/broadcasts/{broadcast_id}/cancel", |p| {
        Route::CancelBroadcast(p.get("broadcast_id"))
    }),
    ("GET", "/public/email/preferences", |_| {
        Route::EmailPreferencesPage
    }),
    ("POST", "/public/email/preferences", |_| {
        Route::EmailPreferencesPost
    }),
    ("POST", "/v1/webhooks", |_| Route::CreateWebhook),
    ("GET", "/v1/webhooks", |_| Route::ListWebhooks),
    ("DELETE", "/v1/webhooks/{webhook_id}", |p| {
        Route::DeleteWebhook(p.get("webhook_id"))
    }),
    ("POST", "/v1/webhooks/{webhook_id}/rotate", |p| {
        Route::RotateWebhook(p.get("webhook_id"))
    }),
];

/// Every (method, path template) served, in the HttpApi's `{param}` notation.
pub const ROUTES: &[(&str, &str)] = &{
    let mut out = [("", ""); TABLE.len()];
    let mut i = 0;
    while i < TABLE.len() {
        out[i] = (TABLE[i].0, TABLE[i].1);
        i += 1;
    }
    out
};

/// The table as a router: each template with the operations (method, index into `TABLE`).
fn routes() -> &'static Routes<usize> {
    static ROUTES_BY_TEMPLATE: OnceLock<Routes<usize>> = OnceLock::new();
    ROUTES_BY_TEMPLATE.get_or_init(|| {
        let table = TABLE
            .iter()
            .enumerate()
            .filter_map(|(i, (method, template, _))| {
                Method::from_bytes(method.as_bytes())
                    .ok()
                    .map(|m| (m, *template, i))
            });
        // The table is a constant checked by the tests below: a bad template is a bug
        // caught before any request, never request input.
        Routes::new(table).unwrap_or_else(|e| {
            tracing::error!(error = %e, "route table rejected by the router");
            Routes::empty()
        })
    })
}

/// Matches a request to a route: 404 for an unknown path, 405 (with the allowed methods)
/// for a known path with another method.
pub fn route(method: &Method, path: &str) -> ApiResult<Route> {
    match routes().at(method, path) {
        Ok((i, params)) => Ok((TABLE[i].2)(&Params(params))),
        Err(Miss::NotFound) => Err(ApiError::NotFound("route")),
        Err(Miss::MethodNotAllowed(allow)) => Err(ApiError::MethodNotAllowed(allow)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concrete(template: &str) -> String {
        template
            .replace("{patient_id}", "pt1")
            .replace("{appointment_id}", "a1")
            .replace("{task_id}", "t1")
            .replace("{key_id}", "k1")
            .replace("{thread_id}", "th1")
            .replace("{staff_id}", "s1")
            .replace("{webhook_id}", "wh_1")
            .replace("{entry_id}", "wl_1")
            .replace("{broadcast_id}", "bc_1")
    }

    #[test]
    fn every_listed_route_is_matched_to_its_own_operation() {
        for (i, (m, p, build)) in TABLE.iter().enumerate() {
            let method = Method::from_bytes(m.as_bytes()).unwrap();
            let path = concrete(p);
            let got = route(&method, &path).unwrap_or_else(|e| panic!("{m} {p}: {e}"));
            let (at, params) = routes().at(&method, &path).unwrap();
            assert_eq!(got, build(&Params(params)), "{m} {p}");
            assert_eq!(at, i, "{m} {p}");
        }
    }

    #[test]
    fn the_table_is_accepted_by_the_router() {
        let table = TABLE
            .iter()
            .enumerate()
            .map(|(i, (m, p, _))| (Method::from_bytes(m.as_bytes()).unwrap(), *p, i));
        assert!(Routes::new(table).is_ok());
    }

    #[test]
    fn path_parameters_are_passed_through() {
        assert_eq!(
            route(&Method::POST, "/v1/appointments/a-9/check-in/").unwrap(),
            Route::Appointment("a-9".into(), AppointmentAction::CheckIn)
        );
        assert_eq!(
            route(&Method::DELETE, "/v1/practice/api-keys/key_1").unwrap(),
            Route::RevokeApiKey("key_1".into())
        );
    }

    #[test]
    fn unknown_paths_are_404_and_wrong_methods_405_with_the_allowed_ones() {
        assert!(matches!(
            route(&Method::GET, "/v2/x"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/v1/appointments/a1/explode"),
            Err(ApiError::NotFound(_))
        ));
        match route(&Method::PATCH, "/v1/patients/p1") {
            Err(ApiError::MethodNotAllowed(allow)) => {
                let mut methods: Vec<&str> = allow.split(", ").collect();
                methods.sort();
                assert_eq!(methods, ["DELETE", "GET", "PUT"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
