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
