//! The webhook routes (`frontdesk::http_edge::Routes`), each also under one API Gateway
//! stage prefix: `POST /webhooks/sms/{provider}/{practice}` (inbound texts) and
//! `POST /webhooks/sms-status/{provider}/{practice}` (delivery status callbacks).

use std::sync::OnceLock;

use frontdesk::http_edge::{Miss, Routes};
use http::Method;

use crate::error::InboundError;

/// What a webhook delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// An inbound text.
    Inbound,
    /// A delivery status report.
    Status,
}

const TABLE: &[(Method, &str, Hook)] = &[
    (
        Method::POST,
        "/webhooks/sms/{provider}/{practice}",
        Hook::Inbound,
    ),
    (
        Method::POST,
        "/{stage}/webhooks/sms/{provider}/{practice}",
        Hook::Inbound,
    ),
    (
        Method::POST,
        "/webhooks/sms-status/{provider}/{practice}",
        Hook::Status,
    ),
    (
        Method::POST,
        "/{stage}/webhooks/sms-status/{provider}/{practice}",
        Hook::Status,
    ),
];

fn routes() -> &'static Routes<Hook> {
    static ROUTES: OnceLock<Routes<Hook>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        Routes::new(TABLE.iter().cloned()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "webhook route table rejected by the router");
            Routes::empty()
        })
    })
}

/// The hook, provider and practice segments of `method path`: 404 for an unknown path, 405
/// for another method.
pub fn route<'p>(method: &Method, path: &'p str) -> Result<(Hook, &'p str, &'p str), InboundError> {
    match routes().at(method, path) {
        Ok((hook, params)) => {
            let provider = params.get("provider").unwrap_or_default();
            let practice = params.get("practice").unwrap_or_default();
            if provider.is_empty() || practice.is_empty() {
                return Err(InboundError::NotFound);
            }
            Ok((hook, provider, practice))
        }
        Err(Miss::NotFound) => Err(InboundError::NotFound),
        Err(Miss::MethodNotAllowed(_)) => Err(InboundError::MethodNotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_two_segments_after_the_prefix_with_or_without_a_stage() {
        assert!(Routes::new(TABLE.iter().cloned()).is_ok());
        let post = |p| route(&Method::POST, p).ok();
        assert_eq!(
            post("/webhooks/sms/twilio/prc_1"),
            Some((Hook::Inbound, "twilio", "prc_1"))
        );
        assert_eq!(
            post("/prod/webhooks/sms/telnyx/prc_1/"),
            Some((Hook::Inbound, "telnyx", "prc_1"))
        );
        assert_eq!(
            post("/webhooks/sms-status/twilio/prc_1"),
            Some((Hook::Status, "twilio", "prc_1"))
        );
        assert_eq!(
            post("/prod/webhooks/sms-status/vonage/prc_1/"),
            Some((Hook::Status, "vonage", "prc_1"))
        );
        for bad in [
            "/webhooks/sms/twilio",
            "/webhooks/sms//prc",
            "/webhooks/sms/twilio/a/b",
            "/webhooks/sms-status/twilio",
            "/v1/practice",
            "",
        ] {
            assert_eq!(post(bad), None, "{bad}");
        }
    }

    #[test]
    fn other_methods_are_405() {
        assert!(matches!(
            route(&Method::GET, "/webhooks/sms/twilio/prc_1"),
            Err(InboundError::MethodNotAllowed)
        ));
    }
}
