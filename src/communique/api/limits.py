"""Rate limits: one token bucket per client (an address or an API key), kept in memory.

A client may make `burst` requests at once; after that, `rate` per second. A request over
the limit is refused with `TooManyRequests` and the whole seconds until a token is back
(the `Retry-After` the API answers with). The buckets of the least recently seen clients
are dropped once there are `max_clients` of them, so a flood of addresses cannot grow the
table without bound (a dropped client starts again with a full bucket).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from communique.errors import TooManyRequests


class TokenBuckets:
    """A token bucket per client name.

    Example:
        >>> buckets = TokenBuckets(rate=1.0, burst=2, clock=lambda: 0.0)
        >>> buckets.take("10.0.0.1"); buckets.take("10.0.0.1")
        >>> buckets.take("10.0.0.1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        communique.errors.TooManyRequests: 10.0.0.1: more than 2 requests at once ... retry in 1 s
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        what: str = "requests",
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.what = rate, max(burst, 1), what
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Spend one token of `client`; `TooManyRequests` when it has none left."""
        if self.rate <= 0:
            return
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.rate)
                raise TooManyRequests(
                    f"{client}: more than {self.burst} {self.what} at once or {self.rate:g}"
                    f" a second; retry in {wait} s",
                    retry_after=wait,
                )
            self._buckets[client] = (tokens - 1, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
