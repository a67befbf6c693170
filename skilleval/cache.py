"""The cache on Redis, degraded instead of down when Redis cannot be reached.

What lives in the cache (lookup rate limits and misses, the one-use captcha tokens, job progress)
must not turn an outage of Redis into a server error on the public lookup. While Redis does not
answer, each process keeps those keys in its own memory: the limits still hold, per process
instead of across them, until Redis is back. /readyz still reports the cache as failing (it asks
Redis itself, see `redis_only`), so the outage is seen and fixed.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

# After a failure Redis is not asked again for this long: each request would otherwise wait for
# a connection that is refused or times out.
RETRY_AFTER = 5.0  # seconds
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)


class Outage:
    """One per process, shared by the threads' cache instances."""

    lock = threading.Lock()
    until = 0.0

    @classmethod
    def active(cls) -> bool:
        return time.monotonic() < cls.until

    @classmethod
    def begin(cls, error: Exception) -> None:
        with cls.lock:
            if not cls.active():
                log.warning(
                    "Redis unreachable (%s): the cache falls back to this process's memory",
                    type(error).__name__,
                )
            cls.until = time.monotonic() + RETRY_AFTER

    @classmethod
    def end(cls) -> None:
        """Ask Redis again from the next call on (tests that bring Redis back)."""
        cls.until = 0.0


def _degrading(name: str):
    def method(self, *args, **kwargs):
        if not Outage.active():
            try:
                return getattr(self.redis_only, name)(*args, **kwargs)
            except UNREACHABLE as error:
                Outage.begin(error)
        return getattr(self.local, name)(*args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(BaseCache):
    """Django's RedisCache, with a process-local stand-in while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(params)
        self.redis_only = RedisCache(server, params)
        self.local = LocMemCache("skilleval-redis-stand-in", params)

    add = _degrading("add")
    get = _degrading("get")
    set = _degrading("set")
    touch = _degrading("touch")
    delete = _degrading("delete")
    get_many = _degrading("get_many")
    has_key = _degrading("has_key")
    incr = _degrading("incr")
    set_many = _degrading("set_many")
    delete_many = _degrading("delete_many")
    clear = _degrading("clear")

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)

    def close(self, **kwargs):
        self.redis_only.close(**kwargs)


def count(cache, counters: list[tuple[str, int]], reads: tuple[str, ...] = ()):
    """`cache` is a backend (caches["default"]), not the `cache` proxy. Add 1 to each counter, created at 0 for `timeout` seconds when it does not exist, and read
    other counters: (the counters' new values, the values read, 0 where missing). On Redis this is
    one round trip (a pipeline), which is what the public lookup's limits cost per request."""
    if isinstance(cache, ResilientRedisCache):
        if not Outage.active():
            try:
                return _count_on_redis(cache.redis_only, counters, reads)
            except UNREACHABLE as error:
                Outage.begin(error)
        cache = cache.local
    elif isinstance(cache, RedisCache):
        return _count_on_redis(cache, counters, reads)
    values = []
    for key, timeout in counters:
        cache.add(key, 0, timeout=timeout)
        try:
            values.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)
            values.append(1)
    found = cache.get_many(reads)
    return values, [found.get(key, 0) for key in reads]


def _count_on_redis(cache: RedisCache, counters, reads):
    # Django's Redis serializer stores integers as they are, so cache.get() reads these too.
    client = cache._cache.get_client(write=True)
    pipe = client.pipeline(transaction=False)
    for key, timeout in counters:
        key = cache.make_and_validate_key(key)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
    for key in reads:
        pipe.get(cache.make_and_validate_key(key))
    answers = pipe.execute()
    values = answers[1 : 2 * len(counters) : 2]
    return values, [int(value or 0) for value in answers[2 * len(counters) :]]
