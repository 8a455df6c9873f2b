"""moto_server, applying one request at a time.

moto's server handles each request on its own thread and checks a DynamoDB condition
before applying the update, without a lock, so two simultaneous conditional writes to
one item can both succeed. Real DynamoDB serialises writes to an item. Our tests prove
"overlapping runs act once", so the local stack serialises request handling (connections
are still accepted on threads). Usage: python moto_serial.py -H 127.0.0.1 -p PORT
"""

import sys
import threading

import moto.server as server

_lock = threading.Lock()
_Base = server.DomainDispatcherApplication


class SerialDispatcher(_Base):
    def __call__(self, environ, start_response):
        with _lock:
            return super().__call__(environ, start_response)


server.DomainDispatcherApplication = SerialDispatcher

if __name__ == "__main__":
    server.main(sys.argv[1:])
