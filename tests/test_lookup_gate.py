"""The lookup's limits and captcha gate cost one round trip to Redis per lookup (bench_lookup's
"limits on" figure), count in fixed windows, and hold across processes because they live in Redis."""

from datetime import datetime

import pytest
import redis
import time_machine
from django.test import Client

from certificates import lookup as public_lookup
from skilleval.demo import make_resident_id
from tests.clock import SHANGHAI
from tests.test_lookup import ID_NUMBER, NUMBER, make_certificate
from tests.test_redis_down import redis_server  # noqa: F401 (fixture)

LOOKUP = "/api/v1/public/lookup/"


def lookup(client, **body):
    return client.post(LOOKUP, {"name": "王小明", **body}, content_type="application/json")


@pytest.mark.django_db
def test_a_limit_counts_in_windows_of_the_rates_length(nanjing_institution, settings):
    make_certificate(nanjing_institution)
    settings.LOOKUP_RATE_PER_IDENTITY = "3/minute"
    api = Client()
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, 57, tzinfo=SHANGHAI), tick=False):
        assert [lookup(api, id_number=ID_NUMBER).status_code for _ in range(4)] == [
            200,
            200,
            200,
            429,
        ]
        refused = lookup(api, id_number=ID_NUMBER)
        assert refused.status_code == 429 and int(refused["Retry-After"]) == 3
    with time_machine.travel(datetime(2026, 12, 4, 10, 1, 0, tzinfo=SHANGHAI), tick=False):
        assert lookup(api, id_number=ID_NUMBER).status_code == 200


@pytest.mark.django_db
def test_a_request_refused_as_incomplete_still_counts_against_the_client(settings):
    settings.LOOKUP_RATE_PER_CLIENT = "2/minute"
    api = Client()
    assert [lookup(api).status_code for _ in range(3)] == [400, 400, 429]


class CountingRoundTrips:
    """Counts what the test process sends to Redis: each pipeline and each single command."""

    def __init__(self, monkeypatch):
        self.trips = 0
        self.commands = []
        pipeline_execute = redis.client.Pipeline.execute
        command = redis.Redis.execute_command

        def counted_pipeline(pipe, *args, **kwargs):
            self.trips += 1
            return pipeline_execute(pipe, *args, **kwargs)

        def counted_command(client, *args, **kwargs):
            self.trips += 1
            self.commands.append(args[:2])
            return command(client, *args, **kwargs)

        monkeypatch.setattr(redis.client.Pipeline, "execute", counted_pipeline)
        monkeypatch.setattr(redis.Redis, "execute_command", counted_command)


def test_with_redis_a_lookup_is_one_round_trip_and_a_miss_one_more(
    redis_server,  # noqa: F811
    nanjing_institution,
    monkeypatch,
):
    make_certificate(nanjing_institution)
    api = Client()
    lookup(api, id_number=ID_NUMBER)  # connections opened before counting
    counter = CountingRoundTrips(monkeypatch)
    hit = lookup(api, certificate_number=NUMBER)
    assert hit.status_code == 200 and hit.json()["results"]
    assert counter.trips == 1, counter.commands
    miss = lookup(api, id_number=make_resident_id("320102", "19900307", 321))
    assert miss.json() == {"results": []}
    assert counter.trips == 3


def test_with_redis_the_counts_live_in_redis_where_every_process_sees_them(
    redis_server,  # noqa: F811
    nanjing_institution,
    settings,
):
    make_certificate(nanjing_institution)
    settings.LOOKUP_RATE_PER_IDENTITY = "2/minute"
    api = Client()
    assert [lookup(api, id_number=ID_NUMBER).status_code for _ in range(3)] == [200, 200, 429]
    # Another process reads the same server: the identity's counter is there, at 3.
    other = redis.Redis.from_url(redis_server.url)
    identity = public_lookup.identity_of(ID_NUMBER, None)
    keys = [k for k in other.scan_iter("*lookup-identity*") if identity.encode() in k]
    assert len(keys) == 1 and int(other.get(keys[0])) == 3
    assert 0 < other.ttl(keys[0]) <= 60
