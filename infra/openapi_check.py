#!/usr/bin/env python3
"""The Practice API's OpenAPI document, checked two ways.

    openapi_check.py SPEC               validate the document (openapi-spec-validator, OpenAPI 3.1)
    openapi_check.py SPEC --responses   read JSON samples [{method, path, status, body}] on stdin
                                        (path is the template, e.g. /v1/patients/{patient_id}) and
                                        check each against the operation's documented response:
                                        the status must be listed, the body must match its schema.

Exit status 0 when everything conforms; otherwise every problem is printed, one per line.
"""
import json
import sys

import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def pointer(*parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(spec, node, at):
    """Follows a `$ref` (local only) to its object and its JSON pointer."""
    while isinstance(node, dict) and "$ref" in node:
        at = node["$ref"][1:]
        node = spec
        for part in at.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, at


def check_responses(spec, samples):
    registry = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    problems = []
    for s in samples:
        method, path, status = s["method"].lower(), s["path"], str(s["status"])
        where = f"{s['method']} {path} -> {status}"
        op = spec.get("paths", {}).get(path, {}).get(method)
        if op is None:
            problems.append(f"{where}: the operation is not documented")
            continue
        responses = op.get("responses", {})
        if status not in responses:
            problems.append(f"{where}: status not documented (documented: {', '.join(responses)})")
            continue
        resp, at = resolve(spec, responses[status], pointer("paths", path, method, "responses", status))
        media = resp.get("content", {}).get("application/json")
        body = s.get("body")
        if media is None:
            if body is not None:
                problems.append(f"{where}: a JSON body is returned but none is documented")
            continue
        schema = {"$ref": "urn:spec#" + at + pointer("content", "application/json", "schema")}
        validator = OAS31Validator(schema, registry=registry, format_checker=OAS31Validator.FORMAT_CHECKER)
        for err in validator.iter_errors(body):
            loc = "/".join(str(p) for p in err.absolute_path) or "(body)"
            problems.append(f"{where}: {loc}: {err.message[:300]}")
    return problems


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    validate(spec)
    if "--responses" in sys.argv[2:]:
        samples = json.load(sys.stdin)
        problems = check_responses(spec, samples)
        for p in problems:
            print(p)
        print(f"{len(samples)} responses checked, {len(problems)} problems", file=sys.stderr)
        return 1 if problems else 0
    print(f"{sys.argv[1]}: valid OpenAPI {spec.get('openapi')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
