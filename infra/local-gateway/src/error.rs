use thiserror::Error;

#[derive(Debug, Error)]
pub enum GatewayError {
    #[error("template.yaml: {0}")]
    Template(String),
    #[error("local AWS stack: {0}")]
    LocalStack(#[from] local_stack::Error),
    #[error("configuration: {0}; see README.md, Local use")]
    Config(String),
    #[error("cannot serve: {0}")]
    Serve(String),
    #[error("seeding the demo practice failed: {0}")]
    Seed(String),
}
