//! The templates (compiled in) and rendering. Auto-escaping is on for every `.html`.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::error::ConsoleError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
    ("invite.html", include_str!("../templates/invite.html")),
    ("inbox.html", include_str!("../templates/inbox.html")),
    ("thread.html", include_str!("../templates/thread.html")),
    ("tasks.html", include_str!("../templates/tasks.html")),
    ("patient.html", include_str!("../templates/patient.html")),
    ("staff.html", include_str!("../templates/staff.html")),
    ("sessions.html", include_str!("../templates/sessions.html")),
    (
        "not_found.html",
        include_str!("../templates/not_found.html"),
    ),
];

pub const CSS: &str = include_str!("../static/console.css");
pub const INVITE_JS: &str = include_str!("../static/invite.js");

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            if let Err(e) = env.add_template(name, src) {
                tracing::error!(template = name, error = %e, "a console template does not compile");
            }
        }
        env
    })
}

pub fn render<S: Serialize>(name: &str, ctx: S) -> Result<String, ConsoleError> {
    Ok(env().get_template(name)?.render(ctx)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes() {
        for (name, _) in TEMPLATES {
            if let Err(e) = env().get_template(name) {
                panic!("{name}: {e}");
            }
        }
        let html = render(
            "sign_in.html",
            minijinja::context! { email => "<script>x</script>" },
        )
        .unwrap();
        assert!(!html.contains("<script>x"));
        assert!(html.contains("<label for=\"email\">Email</label>"));
        assert!(!html.contains("<script>") || html.contains("src=\"/console/static/"));
    }
}
