"""Find the id table a step refers to (storage.id_tables): the first earlier step of the same run and
tag that carries ids with the step's digest."""

import collections
import threading

from tb_confusion.storage import id_tables


class TableCache:
    """The last few id tables found, by (where, digest); safe to share between request threads."""

    def __init__(self, size=16):
        self._items = collections.OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._items.get(key)

    def put(self, key, table):
        with self._lock:
            self._items[key] = table
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def resolve(record, blobs, cache=None, where=None):
    """Attach to `record` the ids of its table, found in `blobs` (an iterable of payload bytes of the same
    run and tag, oldest first, read lazily); `cache` (a TableCache) keeps found tables under (where,
    digest). A table that is not found leaves the record with its examples' indices as ids. Returns it."""
    digest = getattr(record, "ids_digest", None)
    if digest is None:
        return record
    table = None if cache is None else cache.get((where, digest))
    if table is None:
        for blob in blobs:
            found = id_tables.table_of(blob)
            if found is not None and found.digest == digest and found.data is not None:
                table = (found.data, found.offsets)
                if cache is not None:
                    cache.put((where, digest), table)
                break
    if table is not None and len(table[1]) == record.num_examples + 1:
        record.attach_example_ids(*table)
    return record
