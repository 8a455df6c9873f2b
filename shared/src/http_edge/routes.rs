//! Matching (method, path) to a route with `matchit` (the router axum uses).

use std::collections::HashMap;

use http::Method;

/// Why no route matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No template matches the path: 404.
    NotFound,
    /// A template matches but not with this method: 405, with this `Allow` header value.
    MethodNotAllowed(String),
}

/// A route table: `{param}` path templates, each served by one or more methods.
pub struct Routes<T> {
    router: matchit::Router<Vec<(Method, T)>>,
}

impl<T> Routes<T> {
    /// A table that matches nothing.
    pub fn empty() -> Self {
        Self {
            router: matchit::Router::new(),
        }
    }
}

impl<T: Copy> Routes<T> {
    /// Builds the table. A template the router rejects (a conflict, a bad parameter) is a
    /// programming error in a constant table; it is returned so a test can catch it.
    pub fn new(
        table: impl IntoIterator<Item = (Method, &'static str, T)>,
    ) -> Result<Self, matchit::InsertError> {
        let mut order: Vec<&'static str> = Vec::new();
        let mut by_template: HashMap<&'static str, Vec<(Method, T)>> = HashMap::new();
        for (method, template, value) in table {
            if !by_template.contains_key(template) {
                order.push(template);
            }
            by_template
                .entry(template)
                .or_default()
                .push((method, value));
        }
        let mut router = matchit::Router::new();
        for template in order {
            let ops = by_template.remove(template).unwrap_or_default();
            router.insert(template, ops)?;
        }
        Ok(Self { router })
    }

    /// The route for `method path` (a trailing `/` is ignored) and its path parameters.
    pub fn at<'r, 'p>(
        &'r self,
        method: &Method,
        path: &'p str,
    ) -> Result<(T, matchit::Params<'r, 'p>), Miss> {
        let trimmed = match path.trim_end_matches('/') {
            "" => "/",
            p => p,
        };
        let matched = self.router.at(trimmed).map_err(|_| Miss::NotFound)?;
        match matched.value.iter().find(|(m, _)| m == method) {
            Some((_, value)) => Ok((*value, matched.params)),
            None => Err(Miss::MethodNotAllowed(
                matched
                    .value
                    .iter()
                    .map(|(m, _)| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Routes<u8> {
        Routes::new([
            (Method::GET, "/v1/patients/{id}", 1),
            (Method::PUT, "/v1/patients/{id}", 2),
            (Method::POST, "/v1/patients/{id}/notes", 3),
            (Method::GET, "/", 4),
        ])
        .unwrap()
    }

    #[test]
    fn a_route_is_matched_with_its_parameters_and_a_trailing_slash_is_ignored() {
        let routes = table();
        let (v, params) = routes.at(&Method::PUT, "/v1/patients/p-1/").unwrap();
        assert_eq!((v, params.get("id")), (2, Some("p-1")));
        assert_eq!(routes.at(&Method::GET, "").unwrap().0, 4);
    }

    #[test]
    fn unknown_paths_miss_and_other_methods_name_the_allowed_ones() {
        let routes = table();
        assert_eq!(routes.at(&Method::GET, "/v2").unwrap_err(), Miss::NotFound);
        assert_eq!(
            routes.at(&Method::DELETE, "/v1/patients/p1").unwrap_err(),
            Miss::MethodNotAllowed("GET, PUT".into())
        );
    }

    #[test]
    fn conflicting_templates_are_refused() {
        assert!(Routes::new([(Method::GET, "/a/{x}", 1), (Method::GET, "/a/{y}", 2)]).is_err());
    }
}
