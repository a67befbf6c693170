"""Smoke test of the pure parts of the lookup load benchmark (no server, no database)."""

import json

from stdnum.cn import ric

from skilleval.management.commands import bench_lookup as bench


def test_percentile_interpolates_between_ranks():
    values = list(range(1, 101))  # 1 … 100
    assert bench.percentile(values, 50) == 50.5
    assert bench.percentile(values, 0) == 1
    assert bench.percentile(values, 100) == 100
    assert round(bench.percentile(values, 99), 2) == 99.01
    assert bench.percentile([], 50) == 0.0
    assert bench.percentile([7.0], 99) == 7.0


def test_people_are_distinct_and_well_formed():
    people = [bench.person(k) for k in range(0, 30_000, 7)]
    ids = [id_number for _, id_number in people]
    assert len(set(ids)) == len(ids)
    # The check character is right (stdnum's is_valid also wants its own region list).
    assert all(
        len(i) == 18 and ric.calc_check_digit(i) == i[-1] and i[:2] == "32" for i in ids[:500]
    )
    assert all(2 <= len(name) <= 3 for name, _ in people)
    # One certificate in five is a second certificate of the person before.
    assert bench.person_of(4) == 3 and bench.person_of(5) == 5


def test_bodies_mix_hits_number_lookups_and_wrong_names():
    targets = [(*bench.person(k), f"S000098000025100{k:04d}") for k in range(200)]
    bodies = bench.lookup_bodies(targets)
    assert len(bodies) == 200
    for body, (_name, id_number, number) in zip(bodies, targets, strict=True):
        assert ("id_number" in body) != ("certificate_number" in body)
        assert body.get("id_number", id_number) == id_number
        assert body.get("certificate_number", number) == number
    misses = [b for b, t in zip(bodies, targets, strict=True) if b["name"] != t[0]]
    by_number = [b for b in bodies if "certificate_number" in b]
    assert len(misses) == 40  # 20 %
    assert len(by_number) == 40  # 10 % hits by number and half of the misses


def test_wrk_script_and_its_output():
    script = bench.wrk_script("/tmp/x/bodies.jsonl")
    assert '"/tmp/x/bodies.jsonl"' in script and json.dumps(bench.LOOKUP_PATH) in script
    assert "@" not in script and "function done" in script
    result = bench.parse_wrk(
        "Running 20s test\nBENCH requests=12000 duration_us=20000000 p50_us=21000 "
        "p90_us=30000 p99_us=45500 max_us=90000 mean_us=22000 non2xx=2 empty=2400 "
        "answered=12000 connect=0 read=1 write=0 timeout=0\n"
    )
    assert result.rate == 600
    assert (result.p50_ms, result.p90_ms, result.p99_ms) == (21, 30, 45.5)
    assert result.errors == 3 and result.empty == 2400
