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
