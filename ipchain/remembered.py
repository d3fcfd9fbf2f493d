"""Values read from the database, kept briefly by one process for the hot paths.

The verifier remembers products, keys, officers and API tokens this way: each is read once
per IPCHAIN_VERIFY_CACHE_SECONDS (times a factor) per process instead of once per scan. The
callers drop what they keep when the model changes in this process (post_save signals), so
the delay applies only to changes made by other processes.
"""

import threading
import time

from django.conf import settings

MAX_VALUES = 10_000  # past this the map starts afresh: a bound on memory, not an eviction policy


class Remembered:
    """A small map of values, each reused for IPCHAIN_VERIFY_CACHE_SECONDS x `factor` (read at
    use, so a changed setting counts at once)."""

    def __init__(self, factor: float):
        self.factor = factor
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key, read):
        found = self._values.get(key)
        if found is not None and self._fresh(found[0]):
            return found[1]
        value = read(key)
        self.put(key, value)
        return value

    def peek(self, key):
        """The value remembered for `key` if still fresh, else None."""
        found = self._values.get(key)
        return found[1] if found is not None and self._fresh(found[0]) else None

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._values) > MAX_VALUES:
                self._values.clear()
            self._values[key] = (time.monotonic(), value)

    def _fresh(self, read_at: float) -> bool:
        return time.monotonic() - read_at < settings.IPCHAIN_VERIFY_CACHE_SECONDS * self.factor

    def clear(self, **kwargs) -> None:
        """Forget everything (also a signal receiver, hence the keyword arguments)."""
        with self._lock:
            self._values.clear()
