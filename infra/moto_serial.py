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


# moto's TransactWriteItems backs up the whole table once per *operation* of the transaction
# (a deep copy of every item, 100 times for a 100-item transaction), which makes a test with
# a few thousand items take minutes. One backup per table per transaction restores exactly
# the same state on failure. Requests are serialised above, so one cache is safe.
try:
    import copy as _copy
    import moto.dynamodb.models as _dynamo_models

    class _OneBackupPerTable:
        cache = None

        def deepcopy(self, x, memo=None):
            if self.cache is not None and isinstance(x, _dynamo_models.Table):
                if id(x) not in self.cache:
                    self.cache[id(x)] = _copy.deepcopy(x, memo)
                return self.cache[id(x)]
            return _copy.deepcopy(x, memo)

        def __getattr__(self, name):
            return getattr(_copy, name)

    _backups = _OneBackupPerTable()
    _dynamo_models.copy = _backups
    _transact = _dynamo_models.DynamoDBBackend.transact_write_items

    def _transact_once(self, *args, **kwargs):
        _backups.cache = {}
        try:
            return _transact(self, *args, **kwargs)
        finally:
            _backups.cache = None

    _dynamo_models.DynamoDBBackend.transact_write_items = _transact_once
except (ImportError, AttributeError):
    pass

if __name__ == "__main__":
    server.main(sys.argv[1:])
