//! Creates or deletes a table from template.yaml's own `Table` definition on a local
//! endpoint: the one table builder, shared by the tests, the gateway and the scripts.
//!
//! ```text
//! table create --endpoint http://127.0.0.1:5000 --table-name t
//! table delete --endpoint http://127.0.0.1:5000 --table-name t
//! ```

use std::process::ExitCode;

use local_stack::Moto;

const USAGE: &str = "usage: table create|delete --endpoint URL --table-name NAME";

fn args() -> Result<(String, String, String), String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or(USAGE)?;
    let (mut endpoint, mut table) = (None, None);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value; {USAGE}"))?;
        match flag.as_str() {
            "--endpoint" => endpoint = Some(value),
            "--table-name" => table = Some(value),
            _ => return Err(format!("unknown flag {flag}; {USAGE}")),
        }
    }
    match (endpoint, table) {
        (Some(e), Some(t)) => Ok((command, e, t)),
        _ => Err(USAGE.to_string()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (command, endpoint, table) = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let moto = Moto::at(&endpoint);
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
    let result = match command.as_str() {
        "create" => {
            local_stack::create_table_from_template(&client, &local_stack::template_path(), &table)
                .await
        }
        "delete" => local_stack::delete_table(&client, &table).await,
        _ => {
            eprintln!("unknown command {command:?}; {USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => {
            println!("{command}d table {table}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
