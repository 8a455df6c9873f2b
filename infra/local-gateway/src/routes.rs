//! The HTTP routes of `template.yaml`'s HttpApi, read from the template itself so the
//! local gateway serves exactly what will be deployed.

use std::collections::HashMap;
use std::path::Path;

use serde_yaml::Value;

use crate::error::GatewayError;

/// One `Type: HttpApi` event of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    pub function: String,
    pub method: String,
    /// e.g. `/v1/patients/{patient_id}`
    pub path: String,
}

/// One `Type: Schedule` event of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRoute {
    pub function: String,
    pub every: std::time::Duration,
}

#[derive(Debug, Clone, Default)]
pub struct Template {
    pub http: Vec<HttpRoute>,
    pub schedules: Vec<ScheduleRoute>,
    /// The HttpApi path templates (`{param}`, greedy `{proxy+}`) in `matchit`'s router,
    /// each with the indexes of its routes in `http`.
    paths: matchit::Router<Vec<usize>>,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, GatewayError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| GatewayError::Template(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, GatewayError> {
        let doc: Value =
            serde_yaml::from_str(text).map_err(|e| GatewayError::Template(e.to_string()))?;
        let mut out = Template::default();
        let Some(resources) = doc.get("Resources").and_then(Value::as_mapping) else {
            return Err(GatewayError::Template("template has no Resources".into()));
        };
        for (name, res) in resources {
            let (Some(name), Some(events)) = (
                name.as_str(),
                res.get("Properties").and_then(|p| p.get("Events")),
            ) else {
                continue;
            };
            let Some(events) = events.as_mapping() else {
                continue;
            };
            for ev in events.values() {
                let props = ev.get("Properties");
                match ev.get("Type").and_then(Value::as_str) {
                    Some("HttpApi") => {
                        let path = props.and_then(|p| p.get("Path")).and_then(Value::as_str);
                        let method = props.and_then(|p| p.get("Method")).and_then(Value::as_str);
                        if let (Some(path), Some(method)) = (path, method) {
                            out.add_path(path)?;
                            out.http.push(HttpRoute {
                                function: name.to_string(),
                                method: method.to_ascii_uppercase(),
                                path: path.to_string(),
                            });
                        }
                    }
                    Some("Schedule") | Some("ScheduleV2") => {
                        let expr = props
                            .and_then(|p| p.get("Schedule").or_else(|| p.get("ScheduleExpression")))
                            .and_then(Value::as_str);
                        if let Some(every) = expr.and_then(parse_rate) {
                            out.schedules.push(ScheduleRoute {
                                function: name.to_string(),
                                every,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// Indexes the route about to be pushed under its path template.
    fn add_path(&mut self, template: &str) -> Result<(), GatewayError> {
        let index = self.http.len();
        let key = matchit_template(template);
        if let Ok(m) = self.paths.at_mut(&concrete(&key)) {
            if m.value.iter().any(|i| self.http[*i].path == template) {
                m.value.push(index);
                return Ok(());
            }
        }
        self.paths
            .insert(key, vec![index])
            .map_err(|e| GatewayError::Template(format!("route {template}: {e}")))
    }

    /// The route matching a request, with its path parameters.
    pub fn match_http(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(&HttpRoute, HashMap<String, String>)> {
        let matched = self.paths.at(trim(path)).ok()?;
        let route = matched
            .value
            .iter()
            .map(|i| &self.http[*i])
            .find(|r| r.method == method || r.method == "ANY")?;
        let params = matched
            .params
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Some((route, params))
    }

    /// Whether any route has this path (for 405 versus 404).
    pub fn has_path(&self, path: &str) -> bool {
        self.paths.at(trim(path)).is_ok()
    }
}

/// API Gateway's `{name+}` (greedy) in matchit's notation, `{*name}`.
fn matchit_template(template: &str) -> String {
    let t = trim(template);
    match t.rsplit_once("/{") {
        Some((head, last)) if last.ends_with("+}") => {
            format!("{head}/{{*{}}}", last.trim_end_matches("+}"))
        }
        _ => t.to_string(),
    }
}

/// A path that matches `template` itself (each parameter filled in), to find its entry.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|seg| if seg.starts_with('{') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn trim(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    }
}

/// `rate(5 minutes)` → 5 minutes.
pub fn parse_rate(expr: &str) -> Option<std::time::Duration> {
    let inner = expr.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let secs = match unit.trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86400,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(n * secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = r#"
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Events:
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Path: /v1/patients/{patient_id}
            Method: GET
  Job:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Every:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
"#;

    #[test]
    fn routes_and_schedules_come_from_the_template() {
        let t = Template::parse(T).unwrap();
        let (r, params) = t.match_http("GET", "/v1/patients/p1").unwrap();
        assert_eq!(r.function, "Api");
        assert_eq!(params["patient_id"], "p1");
        assert!(t.match_http("PUT", "/v1/patients/p1").is_none());
        assert!(t.has_path("/v1/patients/p1"));
        assert!(!t.has_path("/v1/patients/p1/x"));
        assert_eq!(t.schedules[0].every, std::time::Duration::from_secs(300));
    }

    #[test]
    fn methods_share_a_path_and_greedy_parameters_take_the_rest() {
        let mut t = Template::default();
        for (function, method, path) in [
            ("A", "GET", "/v1/patients/{patient_id}"),
            ("A", "PUT", "/v1/patients/{patient_id}"),
            ("B", "GET", "/v1/patients/{patient_id}/timeline"),
            ("C", "ANY", "/console/{proxy+}"),
        ] {
            t.add_path(path).unwrap();
            t.http.push(HttpRoute {
                function: function.into(),
                method: method.into(),
                path: path.into(),
            });
        }
        assert_eq!(
            t.match_http("PUT", "/v1/patients/p1/").unwrap().0.method,
            "PUT"
        );
        assert_eq!(
            t.match_http("GET", "/v1/patients/p1/timeline")
                .unwrap()
                .0
                .function,
            "B"
        );
        let (r, params) = t.match_http("POST", "/console/threads/t1/reply").unwrap();
        assert_eq!(
            (r.function.as_str(), params["proxy"].as_str()),
            ("C", "threads/t1/reply")
        );
        assert!(t.match_http("DELETE", "/v1/patients/p1").is_none());
        assert!(t.has_path("/v1/patients/p1"), "a 405, not a 404");
    }

    #[test]
    fn rates_parse() {
        assert_eq!(
            parse_rate("rate(1 minute)"),
            Some(std::time::Duration::from_secs(60))
        );
        assert_eq!(parse_rate("cron(0 * * * ? *)"), None);
    }
}
