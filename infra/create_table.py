#!/usr/bin/env python3
"""Create (or delete) a DynamoDB table from template.yaml's own `Table` definition.

Runs with the project venv's boto3 (moto depends on it) against a local endpoint, so that
scripts and the runtime contract tests use the very table the stack deploys.

    .venv/bin/python infra/create_table.py --endpoint http://127.0.0.1:5000 --table-name t
    .venv/bin/python infra/create_table.py --endpoint ... --table-name t --delete
"""

import argparse
import os
import sys

import boto3
import yaml


class CfnLoader(yaml.SafeLoader):
    """A YAML loader that tolerates CloudFormation short-form tags (!Ref, !Sub, ...)."""


def _cfn_tag(loader, tag_suffix, node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _cfn_tag)


def table_properties(template_path, logical_id="Table"):
    with open(template_path, encoding="utf-8") as f:
        template = yaml.load(f, Loader=CfnLoader)
    resource = template["Resources"][logical_id]
    if resource.get("Type") != "AWS::DynamoDB::Table":
        sys.exit(f"{logical_id} in {template_path} is not an AWS::DynamoDB::Table")
    return resource["Properties"]


def create_table_request(props, table_name):
    """Map CloudFormation's table properties to the CreateTable API."""
    req = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput"):
        if key in props:
            req[key] = props[key]
    if "StreamSpecification" in props:
        req["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    sse = props.get("SSESpecification")
    if sse:
        req["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))}
        if "SSEType" in sse:
            req["SSESpecification"]["SSEType"] = sse["SSEType"]
        if "KMSMasterKeyId" in sse:
            req["SSESpecification"]["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
    return req


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"), required=False)
    ap.add_argument("--table-name", required=True)
    ap.add_argument("--template", default=os.path.join(root, "template.yaml"))
    ap.add_argument("--delete", action="store_true", help="delete the table instead")
    args = ap.parse_args()
    if not args.endpoint:
        sys.exit("--endpoint (or AWS_ENDPOINT_URL) is required: this script only talks to a local stack")

    client = boto3.client(
        "dynamodb",
        endpoint_url=args.endpoint,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    if args.delete:
        try:
            client.delete_table(TableName=args.table_name)
        except client.exceptions.ResourceNotFoundException:
            pass
        return

    props = table_properties(args.template)
    try:
        client.create_table(**create_table_request(props, args.table_name))
    except client.exceptions.ResourceInUseException:
        print(f"table {args.table_name} already exists", file=sys.stderr)
    client.get_waiter("table_exists").wait(TableName=args.table_name)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=args.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    print(args.table_name)


if __name__ == "__main__":
    main()
