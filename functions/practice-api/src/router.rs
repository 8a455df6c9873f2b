//! Routes of the v1 API. `ROUTES` is the list the OpenAPI document and `template.yaml`
//! are tested against.

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
    PutPatient(String),
    GetPatient(String),
    Timeline(String),
    PutAppointment(String),
    GetAppointment(String),
    Appointment(String, AppointmentAction),
    ListTasks,
    ResolveTask(String),
    GetTask(String),
    AssignTask(String),
    SnoozeTask(String),
    NoteTask(String),
    PatientMessage(String),
    ThreadMessage(String),
    Inbox,
    Thread(String),
    CreateStaff,
    ListStaff,
    DeleteStaff(String),
}

/// Every (method, path template) served, in the HttpApi's `{param}` notation.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/practices"),
    ("GET", "/v1/practice"),
    ("PATCH", "/v1/practice"),
    ("POST", "/v1/practice/api-keys"),
    ("DELETE", "/v1/practice/api-keys/{key_id}"),
    ("PUT", "/v1/patients/{patient_id}"),
    ("GET", "/v1/patients/{patient_id}"),
    ("GET", "/v1/patients/{patient_id}/timeline"),
    ("PUT", "/v1/appointments/{appointment_id}"),
    ("GET", "/v1/appointments/{appointment_id}"),
    ("POST", "/v1/appointments/{appointment_id}/check-in"),
    ("POST", "/v1/appointments/{appointment_id}/complete"),
    ("POST", "/v1/appointments/{appointment_id}/cancel"),
    ("GET", "/v1/tasks"),
    ("POST", "/v1/tasks/{task_id}/resolve"),
    ("GET", "/v1/tasks/{task_id}"),
    ("POST", "/v1/tasks/{task_id}/assign"),
    ("POST", "/v1/tasks/{task_id}/snooze"),
    ("POST", "/v1/tasks/{task_id}/notes"),
    ("POST", "/v1/patients/{patient_id}/messages"),
    ("GET", "/v1/inbox"),
    ("GET", "/v1/threads/{thread_id}"),
    ("POST", "/v1/threads/{thread_id}/messages"),
    ("POST", "/v1/staff"),
    ("GET", "/v1/staff"),
    ("DELETE", "/v1/staff/{staff_id}"),
];

/// Matches a request to a route: 404 for an unknown path, 405 for a known path with
/// another method.
pub fn route(method: &Method, path: &str) -> ApiResult<Route> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let m = method.as_str();
    let (allowed, route): (&[&str], Option<Route>) = match segs.as_slice() {
        ["v1", "practices"] => (&["POST"], (m == "POST").then_some(Route::CreatePractice)),
        ["v1", "practice"] => (
            &["GET", "PATCH"],
            match m {
                "GET" => Some(Route::GetPractice),
                "PATCH" => Some(Route::PatchPractice),
                _ => None,
            },
        ),
        ["v1", "practice", "api-keys"] => (&["POST"], (m == "POST").then_some(Route::CreateApiKey)),
        ["v1", "practice", "api-keys", id] => (
            &["DELETE"],
            (m == "DELETE").then(|| Route::RevokeApiKey(id.to_string())),
        ),
        ["v1", "patients", id] => (
            &["GET", "PUT"],
            match m {
                "GET" => Some(Route::GetPatient(id.to_string())),
                "PUT" => Some(Route::PutPatient(id.to_string())),
                _ => None,
            },
        ),
        ["v1", "patients", id, "timeline"] => (
            &["GET"],
            (m == "GET").then(|| Route::Timeline(id.to_string())),
        ),
        ["v1", "appointments", id] => (
            &["GET", "PUT"],
            match m {
                "GET" => Some(Route::GetAppointment(id.to_string())),
                "PUT" => Some(Route::PutAppointment(id.to_string())),
                _ => None,
            },
        ),
        ["v1", "appointments", id, action] => {
            let a = match *action {
                "check-in" => AppointmentAction::CheckIn,
                "complete" => AppointmentAction::Complete,
                "cancel" => AppointmentAction::Cancel,
                _ => return Err(ApiError::NotFound("route")),
            };
            (
                &["POST"],
                (m == "POST").then(|| Route::Appointment(id.to_string(), a)),
            )
        }
        ["v1", "tasks"] => (&["GET"], (m == "GET").then_some(Route::ListTasks)),
        ["v1", "tasks", id, "resolve"] => (
            &["POST"],
            (m == "POST").then(|| Route::ResolveTask(id.to_string())),
        ),
        ["v1", "tasks", id] => (
            &["GET"],
            (m == "GET").then(|| Route::GetTask(id.to_string())),
        ),
        ["v1", "tasks", id, action @ ("assign" | "snooze" | "notes")] => {
            let id = id.to_string();
            (
                &["POST"],
                (m == "POST").then_some(match *action {
                    "assign" => Route::AssignTask(id),
                    "snooze" => Route::SnoozeTask(id),
                    _ => Route::NoteTask(id),
                }),
            )
        }
        ["v1", "patients", id, "messages"] => (
            &["POST"],
            (m == "POST").then(|| Route::PatientMessage(id.to_string())),
        ),
        ["v1", "staff"] => (
            &["GET", "POST"],
            match m {
                "GET" => Some(Route::ListStaff),
                "POST" => Some(Route::CreateStaff),
                _ => None,
            },
        ),
        ["v1", "staff", id] => (
            &["DELETE"],
            (m == "DELETE").then(|| Route::DeleteStaff(id.to_string())),
        ),
        ["v1", "inbox"] => (&["GET"], (m == "GET").then_some(Route::Inbox)),
        ["v1", "threads", id] => (
            &["GET"],
            (m == "GET").then(|| Route::Thread(id.to_string())),
        ),
        ["v1", "threads", id, "messages"] => (
            &["POST"],
            (m == "POST").then(|| Route::ThreadMessage(id.to_string())),
        ),
        _ => return Err(ApiError::NotFound("route")),
    };
    let _ = allowed;
    route.ok_or(ApiError::MethodNotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_route_is_matched() {
        for (m, p) in ROUTES {
            let path = p
                .replace("{patient_id}", "pt1")
                .replace("{appointment_id}", "a1")
                .replace("{task_id}", "t1")
                .replace("{thread_id}", "p_pt1")
                .replace("{staff_id}", "stf_1")
                .replace("{key_id}", "k1");
            let method = Method::from_bytes(m.as_bytes()).unwrap();
            assert!(route(&method, &path).is_ok(), "{m} {p}");
        }
    }

    #[test]
    fn unknown_paths_are_404_and_wrong_methods_405() {
        assert!(matches!(
            route(&Method::GET, "/v2/x"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/v1/appointments/a1/explode"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::DELETE, "/v1/patients/p1"),
            Err(ApiError::MethodNotAllowed)
        ));
    }
}
