//! The console's one error type. Pages never show a cause; logs get codes only.

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No such page, or not this practice's (the same answer either way).
    #[error("not found")]
    NotFound,
    /// A page that exists, asked with another method; the value is the `Allow` header.
    #[error("use {0} for this page")]
    MethodNotAllowed(String),
    /// The form's CSRF token is missing or not this session's.
    #[error("the form expired")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("storage: {0}")]
    Store(#[from] frontdesk::Error),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
}
