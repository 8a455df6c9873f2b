/// The fake's one error type.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    #[error("fake providers: {0}")]
    Io(String),
}
