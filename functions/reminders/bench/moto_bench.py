"""moto_server for the reminders sweep benchmark (bench-sweep): stock moto 5.2.5, with two
changes, neither of which changes what DynamoDB calls do.

1. One request at a time, as infra/moto_serial.py does for the test suite: moto checks a
   condition and applies the write without a lock, so two simultaneous conditional writes
   to one item could both succeed; real DynamoDB serialises writes to an item.

2. TransactWriteItems rolls back only the items it touched. Stock moto deep-copies the
   whole table once per operation of every transaction, as a backup for a rollback, so a
   transaction costs O(items in the table) and a table with 40,000 items makes each
   reminder's 4-operation transaction take seconds (10,000 reminders: hours, and the
   server grew past 18 GB). Here the items are journalled as the transaction reads them
   (moto reads every item before writing it) and restored if it is cancelled.

Usage: <venv>/bin/python moto_bench.py -H 127.0.0.1 -p PORT
"""

import copy as _copy
import sys
import threading

import moto.dynamodb.models as models
import moto.server as server

_lock = threading.Lock()
_Base = server.DomainDispatcherApplication


class SerialDispatcher(_Base):
    def __call__(self, environ, start_response):
        with _lock:
            return super().__call__(environ, start_response)


class _NoTableCopy:
    """Stands in for the `copy` module while a transaction runs: tables are not copied
    (the items are journalled instead); anything else is copied as usual."""

    def deepcopy(self, obj, memo=None):
        if isinstance(obj, models.Table):
            return obj
        return _copy.deepcopy(obj, memo)

    def __getattr__(self, name):
        return getattr(_copy, name)


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
    models.copy = _NoTableCopy()
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
        models.copy = _copy
        del self.get_item


server.DomainDispatcherApplication = SerialDispatcher
models.DynamoDBBackend.transact_write_items = _transact_write_items

if __name__ == "__main__":
    server.main(sys.argv[1:])
