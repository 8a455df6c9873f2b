"""moto_server, applying one request at a time.

moto's server handles each request on its own thread and checks a DynamoDB condition
before applying the update, without a lock, so two simultaneous conditional writes to
one item can both succeed. Real DynamoDB serialises writes to an item. Our tests prove
"overlapping runs act once", so the local stack serialises request handling (connections
are still accepted on threads). Usage: python moto_serial.py -H 127.0.0.1 -p PORT

moto keeps only the subject and body of an SESv2 simple email, not its Reply-To or its
message headers (List-Unsubscribe...). Each accepted SendEmail request is also kept as sent,
in order, and served at GET /_frontdesk/ses/sent (the local outbox shows them).
"""

import io
import json
import sys
import threading

import moto.server as server

_lock = threading.Lock()
_Base = server.DomainDispatcherApplication


_sent = []
_SEND_PATH = "/v2/email/outbound-emails"


def _serve_sent(start_response):
    body = json.dumps(_sent).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class SerialDispatcher(_Base):
    def __call__(self, environ, start_response):
        with _lock:
            path = environ.get("PATH_INFO", "")
            if path == "/_frontdesk/ses/sent":
                return _serve_sent(start_response)
            if path != _SEND_PATH or environ.get("REQUEST_METHOD") != "POST":
                return super().__call__(environ, start_response)
            size = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(size)
            environ["wsgi.input"] = io.BytesIO(raw)
            status = []

            def capture(s, headers, exc_info=None):
                status.append(s)
                return start_response(s, headers, exc_info)

            out = super().__call__(environ, capture)
            if status and status[0].startswith("200"):
                try:
                    _sent.append(json.loads(raw or b"{}"))
                except ValueError:
                    pass
            return out


server.DomainDispatcherApplication = SerialDispatcher


# moto's TransactWriteItems backs up the whole table (a deep copy of every item) once per
# *operation* of the transaction before applying it, so a test with a few thousand items
# spends minutes copying. The backup here restores exactly the same state for less: the
# table object with its own item maps (puts and deletes replace map entries), and deep
# copies only of the items an Update of this transaction changes in place. Requests are
# serialised above, so one transaction at a time uses the backup.
try:
    import copy as _copy
    from collections import defaultdict as _defaultdict

    import moto.dynamodb.models as _dynamo_models
    from moto.dynamodb.models.dynamo_type import DynamoType as _DynamoType

    class _Backups:
        updates = None  # {table name: [key dicts of Update operations]} during a transaction

        def deepcopy(self, x, memo=None):
            if self.updates is not None and isinstance(x, _dynamo_models.Table):
                return _backup(x, self.updates.get(x.name, []))
            return _copy.deepcopy(x, memo)

        def __getattr__(self, name):
            return getattr(_copy, name)

    def _backup(table, update_keys):
        backup = _copy.copy(table)
        backup.items = _defaultdict(dict)
        for hash_value, stored in table.items.items():
            backup.items[hash_value] = dict(stored) if table.has_range_key else stored
        for key in update_keys:
            h = _DynamoType(key[table.hash_key_attr])
            if table.has_range_key:
                r = _DynamoType(key[table.range_key_attr])
                item = table.items.get(h, {}).get(r)
                if item is not None:
                    backup.items[h][r] = _copy.deepcopy(item)
            elif h in table.items:
                backup.items[h] = _copy.deepcopy(table.items[h])
        return backup

    _backups = _Backups()
    _dynamo_models.copy = _backups
    _transact = _dynamo_models.DynamoDBBackend.transact_write_items

    def _transact_with_light_backups(self, transact_items, *args, **kwargs):
        updates = {}
        for entry in transact_items:
            for kind, op in entry.items():
                if kind == "Update" and "Key" in op:
                    updates.setdefault(op.get("TableName"), []).append(op["Key"])
        _backups.updates = updates
        try:
            return _transact(self, transact_items, *args, **kwargs)
        finally:
            _backups.updates = None

    _dynamo_models.DynamoDBBackend.transact_write_items = _transact_with_light_backups
except (ImportError, AttributeError):
    pass


if __name__ == "__main__":
    server.main(sys.argv[1:])
