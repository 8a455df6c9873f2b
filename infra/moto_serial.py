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

if __name__ == "__main__":
    server.main(sys.argv[1:])
