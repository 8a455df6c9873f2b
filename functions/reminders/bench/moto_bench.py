"""moto_server for the reminders sweep benchmark (bench-sweep): stock moto 5.2.5, with four
changes, none of which changes what DynamoDB calls do.

1. One request at a time, as infra/moto_serial.py does for the test suite: moto checks a
   condition and applies the write without a lock, so two simultaneous conditional writes
   to one item could both succeed; real DynamoDB serialises writes to an item.

2. TransactWriteItems rolls back only the items it touched. Stock moto deep-copies the
   whole table once per operation of every transaction, as a backup for a rollback, so a
   transaction costs O(items in the table) and a table with 40,000 items makes each
   reminder's 4-operation transaction take seconds (10,000 reminders: hours, and the
   server grew past 18 GB). Here the items are journalled as the transaction reads them
   (moto reads every item before writing it) and restored if it is cancelled.

3. Queries read only their key's items. Stock moto answers a Query on a GSI by walking and
   sorting every item of the table (`for item in self.all_items()`), and a Query on the
   table by sorting all of them too, so each page of a sweep costs O(items in the table):
   at 100,000 reminders (~400,000 items) a phase took hours. Here each table keeps a map
   (index name, index hash key) -> primary keys, updated after every put, update, delete
   and transaction (and a cancelled transaction's restore), and a Query hands moto's own
   query code only the items of its key, in the order `all_items` would have listed them.
   Range-key conditions, ordering, Limit, ExclusiveStartKey, filters and projections are
   moto's own code, unchanged. `test_moto_bench.py` runs the same queries with and without
   this (`INDEXED`) over random writes and compares the answers.

4. Work that is the same for every request is done once (`MEMO`). moto lists its own
   package directory on disk for every request (`backends.list_of_moto_modules`, a
   listdir and ~150 isdir calls), and parses each UpdateExpression twice per update, from
   the same few strings a sweep sends. Here the listing is read once (it cannot change
   while the server runs) and parsed expressions are kept by their text (parsing is a pure
   function of it, and every caller either only reads the tree or deep-copies it first, as
   `Validator` does). Expressions that fail to parse still raise, each time. Two copies and
   one walk whose results nothing reads are skipped: UpdateItem deep-copies the item only
   to hand the old image to the table's stream, so a table without a stream skips it; and
   the response serializer walks every attribute value of every item through botocore's
   shape model to produce, for the S, N, BOOL, NULL, SS, NS, M and L values moto stores,
   the same JSON it was given, so those are copied as they are (binary values and anything
   else still go through the serializer). The test runs the same random writes and reads
   with and without this and compares every answer and the tables.

Usage: <venv>/bin/python moto_bench.py -H 127.0.0.1 -p PORT
"""

import copy as _copy
import functools
import sys
import threading

import moto.backends as backends
import moto.core.serialize as serialize
import moto.dynamodb.models as models
import moto.dynamodb.parsing.expressions as expressions
import moto.server as server

_lock = threading.Lock()
_Base = server.DomainDispatcherApplication


class SerialDispatcher(_Base):
    def __call__(self, environ, start_response):
        with _lock:
            return super().__call__(environ, start_response)


class _Copy:
    """Stands in for the `copy` module in moto's DynamoDB models. While a transaction runs
    (2), tables are not copied (the items are journalled instead); while an UpdateItem on
    a table without a stream runs (4), the item is not copied (only the stream reads the
    copy). Anything else is copied as usual."""

    in_transaction = False
    update_without_stream = False

    def deepcopy(self, obj, memo=None):
        if self.in_transaction and isinstance(obj, models.Table):
            return obj
        if self.update_without_stream and isinstance(obj, models.Item):
            return obj
        return _copy.deepcopy(obj, memo)

    def __getattr__(self, name):
        return getattr(_copy, name)


_shim = _Copy()


_stock_transact = models.DynamoDBBackend.transact_write_items


def _transact_write_items(self, transact_items):
    journal = {}

    def get_item(table_name, keys, projection_expressions=None):
        table = self.get_table(table_name)
        hash_key, range_key = self.get_keys_value(table, keys)
        entry = (table_name, hash_key, range_key)
        if entry not in journal:
            journal[entry] = _copy.deepcopy(table.get_item(hash_key, range_key))
        return table.get_item(hash_key, range_key, projection_expressions)

    self.get_item = get_item
    outer, _shim.in_transaction = _shim.in_transaction, True
    try:
        return _stock_transact(self, transact_items)
    except BaseException:
        for (table_name, hash_key, range_key), item in journal.items():
            table = self.tables[table_name]
            if item is None:
                table.delete_item(hash_key, range_key)
            elif range_key is not None:
                table.items[hash_key][range_key] = item
            else:
                table.items[hash_key] = item
        raise
    finally:
        _shim.in_transaction = outer
        del self.get_item
        for table_name, hash_key, range_key in journal:
            _refresh(self.tables[table_name], hash_key, range_key)


# --- 3. Queries from a maintained key map -------------------------------------------------

# Off: every Query goes to stock moto (the test compares the two).
INDEXED = True

_stock_query = models.Table.query
_stock_table_put = models.Table.put_item
_stock_table_delete = models.Table.delete_item
_stock_update = models.DynamoDBBackend.update_item


def _hash_attrs(index):
    return tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")


def _index_keys(table, item):
    """The (index name, hash key values) an item is listed under: each index whose hash
    attributes it has (DynamoDB indexes only items with the index's key attributes)."""
    out = set()
    if item is None:
        return out
    for index in table.all_indexes():
        attrs = _hash_attrs(index)
        values = tuple(item.attrs.get(a) for a in attrs)
        if attrs and all(v is not None for v in values):
            out.add((index.name, values))
    return out


def _state(table):
    """The table's key map, built from its items on first use: (index name, hash values)
    -> set of (hash key, range key), and its reverse, primary key -> index keys."""
    state = table.__dict__.get("_bench_keys")
    if state is None:
        by_index, by_item = {}, {}
        for item in _stock_all_items(table):
            pk = (item.hash_key, item.range_key)
            keys = _index_keys(table, item)
            by_item[pk] = keys
            for k in keys:
                by_index.setdefault(k, set()).add(pk)
        state = (by_index, by_item)
        table.__dict__["_bench_keys"] = state
    return state


def _stock_all_items(table):
    return models.Table.all_items(table)


def _refresh(table, hash_key, range_key):
    """Re-lists one primary key after a write: under the index keys its item now has."""
    by_index, by_item = _state(table)
    pk = (hash_key, range_key)
    now = _index_keys(table, _current(table, hash_key, range_key))
    before = by_item.pop(pk, set())
    for k in before - now:
        members = by_index.get(k)
        if members is not None:
            members.discard(pk)
            if not members:
                del by_index[k]
    for k in now - before:
        by_index.setdefault(k, set()).add(pk)
    if now:
        by_item[pk] = now


def _current(table, hash_key, range_key):
    if table.range_key_attr is not None:
        return table.items.get(hash_key, {}).get(range_key)
    return table.items.get(hash_key)


def _refresh_attrs(table, attrs):
    """`_refresh` for the primary key named in wire attributes (an item or a Key)."""
    if table.hash_key_attr not in attrs:
        return
    h = models.DynamoType(attrs[table.hash_key_attr])
    r = None
    if table.range_key_attr is not None and table.range_key_attr in attrs:
        r = models.DynamoType(attrs[table.range_key_attr])
    _refresh(table, h, r)


def _table_put(self, item_attrs, *args, **kwargs):
    try:
        return _stock_table_put(self, item_attrs, *args, **kwargs)
    finally:
        _refresh_attrs(self, item_attrs)


def _table_delete(self, hash_key, range_key):
    try:
        return _stock_table_delete(self, hash_key, range_key)
    finally:
        _refresh(self, hash_key, range_key)


def _update_item(self, table_name, key, *args, **kwargs):
    """UpdateItem changes the item in place (no put): re-list its key afterwards. On a
    table without a stream, the old image is not copied (4)."""
    table = self.tables.get(table_name)
    skip = MEMO and table is not None and table.stream_shard is None
    outer, _shim.update_without_stream = _shim.update_without_stream, skip
    try:
        return _stock_update(self, table_name, key, *args, **kwargs)
    finally:
        _shim.update_without_stream = outer
        if isinstance(key, dict):
            _refresh_attrs(self.get_table(table_name), key)


def _sort_key(item):
    # As `Table.all_items` sorts, so moto's stable sorts break ties the same way.
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def _candidates(table, hash_key, index_name, hash_key_conditions):
    """The items a Query may answer with, or None when this cannot tell (stock moto then
    walks the table)."""
    if index_name is None:
        if hash_key is None:
            return None
        found = table.items.get(hash_key)
        if found is None:
            return []
        items = list(found.values()) if table.range_key_attr is not None else [found]
        return sorted(items, key=_sort_key)
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None:
        return None  # stock moto raises the validation error
    attrs = _hash_attrs(index)
    given = dict(hash_key_conditions or [])
    if not given and hash_key is not None and len(attrs) == 1:
        given = {attrs[0]: hash_key}
    if set(given) != set(attrs):
        return None
    by_index, _ = _state(table)
    keys = by_index.get((index_name, tuple(given[a] for a in attrs)), ())
    items = [i for i in (_current(table, h, r) for h, r in keys) if i is not None]
    return sorted(items, key=_sort_key)


def _query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
           scan_index_forward, projection_expressions, index_name=None, *args, **kwargs):
    found = None
    if INDEXED:
        found = _candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
    if found is None:
        return _stock_query(self, hash_key, range_comparison, range_objs, limit,
                            exclusive_start_key, scan_index_forward,
                            projection_expressions, index_name, *args, **kwargs)
    # moto's own query code, over this key's items only.
    self.all_items = lambda: found
    try:
        return _stock_query(self, hash_key, range_comparison, range_objs, limit,
                            exclusive_start_key, scan_index_forward,
                            projection_expressions, index_name, *args, **kwargs)
    finally:
        del self.all_items


# --- 4. Per-request constants done once ---------------------------------------------------

# Off: moto parses every expression and lists its modules per request (the test compares).
MEMO = True

_stock_modules = backends.list_of_moto_modules
_stock_make = expressions.UpdateExpressionParser.make.__func__
_modules = None


def _list_of_moto_modules():
    global _modules
    if not MEMO:
        return _stock_modules()
    if _modules is None:
        _modules = tuple(_stock_modules())
    return iter(_modules)


@functools.lru_cache(maxsize=256)
def _parsed(cls, expression_str):
    return _stock_make(cls, expression_str)


def _make(cls, expression_str):
    if not MEMO or not isinstance(expression_str, str):
        return _stock_make(cls, expression_str)
    return _parsed(cls, expression_str)


_stock_structure = serialize.BaseJSONSerializer._serialize_type_structure
_STRINGS = ("S", "N")
_FLAGS = ("BOOL", "NULL")
_SETS = ("SS", "NS")


def _plain(value):
    """An attribute value as the serializer would write it, or None when it would do more
    than copy it (binary values, anything moto would not store)."""
    if type(value) is not dict or len(value) != 1:
        return None
    ((kind, inner),) = value.items()
    if kind in _STRINGS:
        return {kind: inner} if type(inner) is str else None
    if kind in _FLAGS:
        return {kind: inner} if type(inner) is bool else None
    if kind in _SETS:
        ok = type(inner) is list and all(type(v) is str for v in inner)
        return {kind: list(inner)} if ok else None
    if kind == "M" and type(inner) is dict:
        out = {}
        for name, member in inner.items():
            out[name] = _plain(member)
            if out[name] is None:
                return None
        return {kind: out}
    if kind == "L" and type(inner) is list:
        out = [_plain(member) for member in inner]
        return None if any(m is None for m in out) else {kind: out}
    return None


def _serialize_structure(self, serialized, value, shape, key):
    if MEMO and key and shape.name == "AttributeValue" and not getattr(
        self._value_picker, "response_transformers", None
    ):
        plain = _plain(value)
        if plain is not None:
            self._default_serialize(serialized, plain, shape, key)
            return
    _stock_structure(self, serialized, value, shape, key)


def install():
    """Patches moto (2, 3 and 4); the server's serialisation (1) is `main`'s."""
    models.copy = _shim
    serialize.BaseJSONSerializer._serialize_type_structure = _serialize_structure
    backends.list_of_moto_modules = _list_of_moto_modules
    expressions.UpdateExpressionParser.make = classmethod(_make)
    models.DynamoDBBackend.transact_write_items = _transact_write_items
    models.DynamoDBBackend.update_item = _update_item
    models.Table.put_item = _table_put
    models.Table.delete_item = _table_delete
    models.Table.query = _query


if __name__ == "__main__":
    install()
    server.DomainDispatcherApplication = SerialDispatcher
    server.main(sys.argv[1:])
