//! The OpenAPI document, the router and template.yaml's HttpApi routes describe the same API.

use std::collections::BTreeSet;

use practice_api::router::ROUTES;
use serde_yaml::Value;

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn served() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

#[test]
fn every_route_is_documented_in_openapi_and_nothing_else_is() {
    let doc = load(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"));
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        for (method, _) in item.as_mapping().expect("path item") {
            let m = method.as_str().unwrap_or_default();
            if ["get", "put", "post", "patch", "delete"].contains(&m) {
                documented.insert((
                    m.to_ascii_uppercase(),
                    path.as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    assert_eq!(documented, served());
}

#[test]
fn every_route_is_deployed_by_the_sam_template() {
    let doc = load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"));
    let function = &doc["Resources"]["PracticeApiFunction"];
    let mut deployed = BTreeSet::new();
    for (_, ev) in function["Properties"]["Events"]
        .as_mapping()
        .expect("events")
    {
        if ev["Type"].as_str() == Some("HttpApi") {
            let p = &ev["Properties"];
            deployed.insert((
                p["Method"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
                p["Path"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    assert_eq!(deployed, served());
}

/// The operations of the document: (method, path, operation object).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        for (method, op) in item.as_mapping().expect("path item") {
            let m = method.as_str().unwrap_or_default();
            if ["get", "put", "post", "patch", "delete"].contains(&m) {
                out.push((
                    m.to_ascii_uppercase(),
                    path.as_str().unwrap_or_default().to_string(),
                    op.clone(),
                ));
            }
        }
    }
    out
}

#[test]
fn every_operation_has_a_unique_operation_id() {
    let doc = load(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"));
    let mut ids = BTreeSet::new();
    for (m, p, op) in operations(&doc) {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{m} {p}: no operationId"));
        assert!(
            ids.insert(id.to_string()),
            "{m} {p}: operationId {id} is used twice"
        );
    }
}

/// What any request can meet (bad body encoding, auth, size, the store), what a body can
/// meet (media type, validation) and what a path parameter can meet (not found), each
/// documented with the one error shape.
#[test]
fn every_operation_documents_the_errors_it_can_return() {
    let doc = load(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"));
    for (m, p, op) in operations(&doc) {
        let responses = op["responses"].as_mapping().expect("responses");
        let has = |code: &str| responses.contains_key(Value::String(code.into()));
        // A public page (`security: []`, the patient's preference page) has no key to check.
        let public = op["security"].as_sequence().is_some_and(|s| s.is_empty());
        let mut need = vec!["400", "401", "413", "500", "503"];
        if public {
            need.retain(|c| *c != "401");
        }
        if !op["requestBody"].is_null() && !public {
            need.extend(["415", "422"]);
        }
        if p.contains('{') {
            need.push("404");
        }
        for code in need {
            assert!(has(code), "{m} {p}: status {code} is not documented");
        }
        for (code, r) in responses {
            let code = code.as_str().unwrap_or_default();
            if code.starts_with('4') || code.starts_with('5') {
                // A public page answers a browser with an HTML page, not the Error shape.
                if public && !r["content"]["text/html"].is_null() {
                    continue;
                }
                let reference = r["$ref"].as_str().unwrap_or_default();
                let target = reference.trim_start_matches("#/components/responses/");
                let schema = &doc["components"]["responses"][target]["content"]["application/json"]
                    ["schema"]["$ref"];
                assert_eq!(
                    schema.as_str(),
                    Some("#/components/schemas/Error"),
                    "{m} {p} {code}: errors use the one Error shape"
                );
            }
        }
    }
}
