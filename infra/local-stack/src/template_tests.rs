//! The table builder against the workspace template.

use super::*;

#[test]
fn the_workspace_template_describes_the_table() {
    let props = read_props(&repo_root().join("template.yaml")).unwrap();
    assert_eq!(props.key_schema.len(), 2);
    assert!(props.global_secondary_indexes.len() >= 2);
    assert_eq!(
        props.time_to_live_specification.unwrap().attribute_name,
        "expires_at_epoch"
    );
}

#[test]
fn cloudformation_tags_elsewhere_do_not_get_in_the_way() {
    let dir = std::env::temp_dir().join(format!("local-stack-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.yaml");
    std::fs::write(
        &path,
        r#"
Parameters:
  Stage: {Type: String}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          ARN: !GetAtt Table.Arn
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-table"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
      KeySchema:
        - {AttributeName: PK, KeyType: HASH}
      Tags:
        - {Key: stage, Value: !Ref Stage}
"#,
    )
    .unwrap();
    let props = read_props(&path).unwrap();
    assert_eq!(props.billing_mode.as_deref(), Some("PAY_PER_REQUEST"));
    assert!(props.time_to_live_specification.is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_table_resource_says_where_it_looked() {
    let dir = std::env::temp_dir().join(format!("local-stack-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.yaml");
    std::fs::write(&path, "Resources: {}\n").unwrap();
    let err = read_props(&path).unwrap_err().to_string();
    assert!(err.contains("Resources.Table.Properties"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
