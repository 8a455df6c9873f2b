"""The bench moto's query patch answers exactly as stock moto: random puts, updates (which
move items between index keys or take them out), deletes, batch writes and transactions
(cancelled ones included), each followed by the same queries with the patch on and off
(`moto_bench.INDEXED`), every page compared: items, order, Count, ScannedCount and
LastEvaluatedKey. GSI and table queries, every range-key condition, both directions,
Limit, and paging with ExclusiveStartKey. And the per-request shortcuts (`moto_bench.MEMO`):
the same random writes and reads with them and without, every answer (error codes, returned
and read items with values of every type, nested and binary ones included) and the final
table compared.

    <venv>/bin/python -m pytest functions/reminders/bench/test_moto_bench.py -q
"""

import os
import random

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

import moto_bench

moto_bench.install()

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

TABLE = "bench-patch"
PKS = [f"PRACTICE#{i}" for i in range(3)]
SKS = [f"ITEM#{i:02}" for i in range(12)]
# Few index keys, so items share them and move between them.
GSI_PKS = [f"DUE#reminders#2026-03-10#{s:02}" for s in range(3)]


def _table(client):
    keys = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": f"{name}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name in ("GSI1", "GSI2")
        ],
    )


def _sort_value(rng):
    # Duplicates on purpose: ties are ordered by the table key.
    return f"2026-03-10T12:{rng.randrange(0, 6):02}:00Z#{rng.randrange(0, 3)}"


def _item(rng):
    item = {"PK": {"S": rng.choice(PKS)}, "SK": {"S": rng.choice(SKS)}}
    if rng.random() < 0.8:
        item["GSI1PK"] = {"S": rng.choice(GSI_PKS)}
        if rng.random() < 0.9:  # an item without the range attribute is not indexed
            item["GSI1SK"] = {"S": _sort_value(rng)}
    if rng.random() < 0.3:
        item["GSI2PK"] = {"S": "PATIENT#pt1"}
        item["GSI2SK"] = {"S": _sort_value(rng)}
    item["n"] = {"N": str(rng.randrange(0, 5))}
    if rng.random() < 0.5:
        item["doc"] = _value(rng, 2)
    return item


def _value(rng, depth):
    """A random attribute value of any type, nested maps and lists included."""
    kind = rng.choice(["S", "N", "BOOL", "NULL", "SS", "NS", "B", "BS"] + ["M", "L"] * (depth > 0))
    if kind == "S":
        return {"S": rng.choice(["", "x", "Hi Pat", "caf\u00e9 \u2713"])}
    if kind == "N":
        return {"N": rng.choice(["0", "-3", "12.5", "1e3"])}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "SS":
        return {"SS": rng.sample(["a", "b", "c"], rng.randrange(1, 4))}
    if kind == "NS":
        return {"NS": rng.sample(["1", "2", "3.5"], rng.randrange(1, 4))}
    if kind == "B":
        return {"B": bytes([rng.randrange(256) for _ in range(3)])}
    if kind == "BS":
        return {"BS": [b"\x00\x01", b"\xff"]}
    if kind == "M":
        return {"M": {f"k{i}": _value(rng, depth - 1) for i in range(rng.randrange(0, 3))}}
    return {"L": [_value(rng, depth - 1) for _ in range(rng.randrange(0, 3))]}


def _key(rng):
    return {"PK": {"S": rng.choice(PKS)}, "SK": {"S": rng.choice(SKS)}}


def _update(rng):
    if rng.random() < 0.6:
        return {
            "UpdateExpression": "SET GSI1PK = :p, GSI1SK = :s, n = :n",
            "ExpressionAttributeValues": {
                ":p": {"S": rng.choice(GSI_PKS)},
                ":s": {"S": _sort_value(rng)},
                ":n": {"N": str(rng.randrange(0, 5))},
            },
        }
    return {"UpdateExpression": "REMOVE GSI1PK, GSI1SK"}


def _write(client, rng):
    """One random write; returns its error code (or None) and any attributes it returned."""
    op = rng.random()
    try:
        if op < 0.35:
            client.put_item(TableName=TABLE, Item=_item(rng))
        elif op < 0.6:
            update = _update(rng)
            if rng.random() < 0.3:
                update["ConditionExpression"] = "attribute_exists(PK)"
            update["ReturnValues"] = rng.choice(["NONE", "ALL_NEW", "ALL_OLD", "UPDATED_NEW"])
            done = client.update_item(TableName=TABLE, Key=_key(rng), **update)
            return None, done.get("Attributes")
        elif op < 0.7:
            client.delete_item(TableName=TABLE, Key=_key(rng))
        elif op < 0.8:
            items = {(i["PK"]["S"], i["SK"]["S"]): i for i in (_item(rng) for _ in range(4))}
            client.batch_write_item(
                RequestItems={TABLE: [{"PutRequest": {"Item": i}} for i in items.values()]}
            )
        elif op < 0.97:
            _transaction(client, rng)
        else:
            # Does not parse: rejected each time, never remembered as parsed.
            client.update_item(TableName=TABLE, Key=_key(rng), UpdateExpression="SET = :p",
                               ExpressionAttributeValues={":p": {"S": "x"}})
    except ClientError as e:
        code = e.response["Error"]["Code"]
        assert code in ("ConditionalCheckFailedException", "TransactionCanceledException", "ValidationException"), e
        return code, None
    return None, None


def _transaction(client, rng):
    keys, ops = set(), []
    while len(ops) < 3:
        key = _key(rng)
        k = (key["PK"]["S"], key["SK"]["S"])
        if k in keys:
            continue
        keys.add(k)
        kind = rng.random()
        if kind < 0.4:
            item = _item(rng)
            item.update(key)
            ops.append({"Put": {"TableName": TABLE, "Item": item}})
        elif kind < 0.7:
            ops.append({"Update": {"TableName": TABLE, "Key": key, **_update(rng)}})
        elif kind < 0.85:
            ops.append({"Delete": {"TableName": TABLE, "Key": key}})
        else:
            # Fails about half the time: the whole transaction is cancelled and rolled back.
            ops.append({
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": key,
                    "ConditionExpression": "attribute_exists(PK)",
                }
            })
    client.transact_write_items(TransactItems=ops)


def _conditions(rng, index):
    """A key condition on the index (or the table) with a random range condition."""
    if index is None:
        hash_attr, range_attr, hash_value = "PK", "SK", rng.choice(PKS)
        values = sorted(rng.sample(SKS, 2))
    else:
        hash_attr, range_attr = f"{index}PK", f"{index}SK"
        hash_value = rng.choice(GSI_PKS) if index == "GSI1" else "PATIENT#pt1"
        values = sorted(_sort_value(rng) for _ in range(2))
    names = {"#h": hash_attr, "#r": range_attr}
    expr_values = {":h": {"S": hash_value}}
    kind = rng.choice(["none", "=", "<", "<=", ">", ">=", "between", "begins"])
    expr = "#h = :h"
    if kind == "between":
        expr += " AND #r BETWEEN :a AND :b"
        expr_values[":a"], expr_values[":b"] = {"S": values[0]}, {"S": values[1]}
    elif kind == "begins":
        expr += " AND begins_with(#r, :a)"
        expr_values[":a"] = {"S": values[0][: rng.randrange(1, len(values[0]))]}
    elif kind != "none":
        expr += f" AND #r {kind} :a"
        expr_values[":a"] = {"S": values[0]}
    else:
        names.pop("#r")
    return {
        "KeyConditionExpression": expr,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": expr_values,
    }


def _pages(client, request):
    pages, start = [], None
    for _ in range(100):
        args = dict(request)
        if start is not None:
            args["ExclusiveStartKey"] = start
        page = client.query(**args)
        page.pop("ResponseMetadata", None)
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if start is None:
            return pages
    raise AssertionError("more than 100 pages")


def _compare(client, rng):
    index = rng.choice(["GSI1", "GSI1", "GSI2", None])
    request = {"TableName": TABLE, **_conditions(rng, index)}
    if index is not None:
        request["IndexName"] = index
    if rng.random() < 0.5:
        request["ScanIndexForward"] = False
    if rng.random() < 0.7:
        request["Limit"] = rng.randrange(1, 6)
    if rng.random() < 0.2:
        request["FilterExpression"] = "n > :zero"
        request["ExpressionAttributeValues"][":zero"] = {"N": "1"}
    moto_bench.INDEXED = False
    try:
        stock = _pages(client, request)
    finally:
        moto_bench.INDEXED = True
    patched = _pages(client, request)
    assert patched == stock, request
    return sum(p["Count"] for p in stock)


# `make test` runs 4 seeds (about 40 s); set BENCH_PATCH_SEEDS for more.
@pytest.mark.parametrize("seed", range(int(os.environ.get("BENCH_PATCH_SEEDS", "4"))))
def test_patched_queries_answer_as_stock_moto(seed):
    rng = random.Random(seed)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        _table(client)
        found = 0
        for _ in range(250):
            _write(client, rng)
            for _ in range(2):
                found += _compare(client, rng)
        # The comparison saw real answers, not only empty ones.
        assert found > 100


def test_a_table_with_items_before_the_first_query_is_listed_in_full():
    """The key map is built from the table on first use, so items written before it
    existed are found too."""
    rng = random.Random(99)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        _table(client)
        for _ in range(60):
            _write(client, rng)
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        assert backend.tables[TABLE].__dict__.pop("_bench_keys", None) is not None
        for _ in range(40):
            _compare(client, rng)


def _run_writes(seed, memo):
    """The same random writes from `seed` on a fresh moto: their error codes, the table."""
    rng = random.Random(seed)
    moto_bench.MEMO = memo
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            _table(client)
            answers = []
            for _ in range(300):
                answers.append(_write(client, rng))
                answers.append(client.get_item(TableName=TABLE, Key=_key(rng)).get("Item"))
            items = client.scan(TableName=TABLE)["Items"]
    finally:
        moto_bench.MEMO = True
    return answers, sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


@pytest.mark.parametrize("seed", range(2))
def test_memoised_parsing_writes_as_stock_moto(seed):
    stock, memo = _run_writes(seed, memo=False), _run_writes(seed, memo=True)
    assert memo == stock
    answers, items = memo
    codes = [a[0] for a in answers if isinstance(a, tuple)]
    returned = [a[1] for a in answers if isinstance(a, tuple) and a[1]]
    read = [a for a in answers if isinstance(a, dict)]
    # The run saw every kind of answer: successes, rejections, returned and read items
    # (nested and binary values among them), and a table left behind.
    assert None in codes and "ValidationException" in codes and returned and items
    assert any("doc" in i for i in read) and any("B" in str(i.get("doc")) for i in items)
