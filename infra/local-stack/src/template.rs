//! Creating the table from template.yaml's own `Table` resource, so the SAM template is the
//! one source of truth for keys, indexes and TTL.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use serde::Deserialize;

use crate::Error;

/// Overrides the template location.
pub const TEMPLATE_ENV: &str = "FRONTDESK_TEMPLATE";
/// The logical id of the table in the template.
const TABLE_RESOURCE: &str = "Table";
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// The workspace root, found from this crate's manifest dir at compile time.
pub(crate) fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// `<workspace root>/template.yaml`, or env `FRONTDESK_TEMPLATE` when set.
pub fn template_path() -> PathBuf {
    match std::env::var_os(TEMPLATE_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => repo_root().join("template.yaml"),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableProps {
    #[serde(default)]
    billing_mode: Option<String>,
    attribute_definitions: Vec<AttrDef>,
    key_schema: Vec<KeyElem>,
    #[serde(default)]
    global_secondary_indexes: Vec<Index>,
    #[serde(default)]
    local_secondary_indexes: Vec<Index>,
    #[serde(default)]
    provisioned_throughput: Option<Throughput>,
    #[serde(default)]
    time_to_live_specification: Option<TtlSpec>,
    #[serde(default)]
    stream_specification: Option<StreamSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttrDef {
    attribute_name: String,
    attribute_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyElem {
    attribute_name: String,
    key_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Index {
    index_name: String,
    key_schema: Vec<KeyElem>,
    projection: ProjectionDef,
    #[serde(default)]
    provisioned_throughput: Option<Throughput>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProjectionDef {
    #[serde(default)]
    projection_type: Option<String>,
    #[serde(default)]
    non_key_attributes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Throughput {
    read_capacity_units: i64,
    write_capacity_units: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TtlSpec {
    attribute_name: String,
    enabled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StreamSpec {
    stream_view_type: String,
}

/// Reads `Resources.Table.Properties` of the template. CloudFormation tags (`!Ref`,
/// `!Sub`…) elsewhere in the file parse as tagged values and are ignored.
fn read_props(template: &Path) -> Result<TableProps, Error> {
    let bad = |reason: String| Error::Template {
        path: template.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(template).map_err(|e| {
        bad(format!(
            "cannot read it ({e}); set FRONTDESK_TEMPLATE to the SAM template"
        ))
    })?;
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| bad(format!("not valid YAML: {e}")))?;
    let props = doc
        .get("Resources")
        .and_then(|r| r.get(TABLE_RESOURCE))
        .and_then(|t| t.get("Properties"))
        .ok_or_else(|| bad(format!("has no Resources.{TABLE_RESOURCE}.Properties")))?;
    serde_yaml::from_value(props.clone()).map_err(|e| {
        bad(format!(
            "Resources.{TABLE_RESOURCE}.Properties: {e} (the local stack needs literal values \
             for keys, indexes, billing and TTL, not intrinsic functions)"
        ))
    })
}

/// Deletes a table. A table that does not exist is fine.
pub async fn delete_table(client: &Client, table_name: &str) -> Result<(), Error> {
    match client.delete_table().table_name(table_name).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(Error::aws("DeleteTable", e)),
    }
}

/// Creates `table_name` from the `Resources.Table.Properties` of the SAM template at
/// `template` (key schema, attribute definitions, GSIs/LSIs, billing mode, stream), waits
/// until it is active, then enables TTL as declared. Idempotent: an existing table is fine.
pub async fn create_table_from_template(
    client: &Client,
    template: &Path,
    table_name: &str,
) -> Result<(), Error> {
    let props = read_props(template)?;
    let bad = |reason: String| Error::Template {
        path: template.to_path_buf(),
        reason,
    };

    let mut req = client.create_table().table_name(table_name);
    for a in &props.attribute_definitions {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(|e| bad(format!("AttributeDefinitions: {e}")))?,
        );
    }
    for k in &props.key_schema {
        req = req.key_schema(key(k).map_err(|e| bad(format!("KeySchema: {e}")))?);
    }
    let provisioned = match props.billing_mode.as_deref() {
        Some("PAY_PER_REQUEST") => false,
        Some("PROVISIONED") | None => true,
        Some(other) => return Err(bad(format!("unknown BillingMode {other:?}"))),
    };
    if provisioned {
        let t = props.provisioned_throughput.ok_or_else(|| {
            bad("BillingMode PROVISIONED needs ProvisionedThroughput".to_string())
        })?;
        req = req
            .billing_mode(BillingMode::Provisioned)
            .provisioned_throughput(throughput(t).map_err(|e| bad(e.to_string()))?);
    } else {
        req = req.billing_mode(BillingMode::PayPerRequest);
    }
    for g in &props.global_secondary_indexes {
        let mut b = GlobalSecondaryIndex::builder()
            .index_name(&g.index_name)
            .projection(projection(&g.projection));
        for k in &g.key_schema {
            b = b.key_schema(key(k).map_err(|e| bad(format!("{}: {e}", g.index_name)))?);
        }
        if provisioned {
            let t = g.provisioned_throughput.or(props.provisioned_throughput);
            if let Some(t) = t {
                b = b.provisioned_throughput(throughput(t).map_err(|e| bad(e.to_string()))?);
            }
        }
        req = req.global_secondary_indexes(
            b.build()
                .map_err(|e| bad(format!("{}: {e}", g.index_name)))?,
        );
    }
    for l in &props.local_secondary_indexes {
        let mut b = LocalSecondaryIndex::builder()
            .index_name(&l.index_name)
            .projection(projection(&l.projection));
        for k in &l.key_schema {
            b = b.key_schema(key(k).map_err(|e| bad(format!("{}: {e}", l.index_name)))?);
        }
        req = req.local_secondary_indexes(
            b.build()
                .map_err(|e| bad(format!("{}: {e}", l.index_name)))?,
        );
    }
    if let Some(s) = &props.stream_specification {
        req = req.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(s.stream_view_type.as_str()))
                .build()
                .map_err(|e| bad(format!("StreamSpecification: {e}")))?,
        );
    }

    match req.send().await {
        Ok(_) => tracing::debug!(table = table_name, "table created"),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) =>
        {
            tracing::debug!(table = table_name, "table exists already");
        }
        Err(e) => return Err(Error::aws("CreateTable", e)),
    }
    wait_active(client, table_name).await?;

    if let Some(ttl) = props.time_to_live_specification.filter(|t| t.enabled) {
        enable_ttl(client, table_name, &ttl.attribute_name).await?;
    }
    Ok(())
}

fn key(k: &KeyElem) -> Result<KeySchemaElement, aws_sdk_dynamodb::error::BuildError> {
    KeySchemaElement::builder()
        .attribute_name(&k.attribute_name)
        .key_type(KeyType::from(k.key_type.as_str()))
        .build()
}

fn throughput(t: Throughput) -> Result<ProvisionedThroughput, aws_sdk_dynamodb::error::BuildError> {
    ProvisionedThroughput::builder()
        .read_capacity_units(t.read_capacity_units)
        .write_capacity_units(t.write_capacity_units)
        .build()
}

fn projection(p: &ProjectionDef) -> Projection {
    let ty = p.projection_type.as_deref().unwrap_or("KEYS_ONLY");
    Projection::builder()
        .projection_type(ProjectionType::from(ty))
        .set_non_key_attributes(if p.non_key_attributes.is_empty() {
            None
        } else {
            Some(p.non_key_attributes.clone())
        })
        .build()
}

async fn wait_active(client: &Client, table_name: &str) -> Result<(), Error> {
    let started = Instant::now();
    loop {
        let out = client
            .describe_table()
            .table_name(table_name)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeTable", e))?;
        let status = out.table().and_then(|t| t.table_status());
        if status == Some(&TableStatus::Active) {
            return Ok(());
        }
        if started.elapsed() >= ACTIVE_TIMEOUT {
            return Err(Error::Aws {
                operation: "DescribeTable",
                message: format!(
                    "table {table_name} is not ACTIVE after {}s (status {status:?}); restart moto",
                    ACTIVE_TIMEOUT.as_secs()
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn enable_ttl(client: &Client, table_name: &str, attribute: &str) -> Result<(), Error> {
    let current = client
        .describe_time_to_live()
        .table_name(table_name)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeTimeToLive", e))?;
    if let Some(d) = current.time_to_live_description() {
        let on = matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        );
        if on && d.attribute_name() == Some(attribute) {
            return Ok(());
        }
    }
    client
        .update_time_to_live()
        .table_name(table_name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(attribute)
                .enabled(true)
                .build()
                .map_err(|e| Error::aws("UpdateTimeToLive", e))?,
        )
        .send()
        .await
        .map_err(|e| Error::aws("UpdateTimeToLive", e))?;
    Ok(())
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
