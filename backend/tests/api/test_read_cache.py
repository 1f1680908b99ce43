"""The in-memory read cache: least recently used out first, bounded in bytes; tag matching."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.api.cached_reads import CachedReadsMiddleware
from app.api.read_cache import CachedResponse, ReadCache, entity_tag, matches
from app.core.data_version import DataVersion, Source


def entry(size: int) -> CachedResponse:
    body = b"x" * size
    return CachedResponse((), body, entity_tag(body))


def test_the_least_recently_used_entry_goes_first_when_the_budget_is_exceeded() -> None:
    cache = ReadCache(max_bytes=300)
    cache.put("a", entry(100))
    cache.put("b", entry(100))
    cache.put("c", entry(100))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("d", entry(100))
    assert (cache.get("b"), len(cache), cache.used) == (None, 3, 300)
    assert all(cache.get(k) is not None for k in "acd")


def test_an_entry_larger_than_the_budget_is_not_kept_and_a_replaced_one_is_recounted() -> None:
    cache = ReadCache(max_bytes=100)
    cache.put("big", entry(101))
    assert (len(cache), cache.used) == (0, 0)
    cache.put("k", entry(60))
    cache.put("k", entry(40))
    assert (len(cache), cache.used) == (1, 40)


def test_tags_match_weakly_in_lists_and_by_star() -> None:
    tag = entity_tag(b"body")
    assert tag == entity_tag(b"body") != entity_tag(b"other")
    assert matches(tag, tag)
    assert matches(tag.removeprefix("W/"), tag)
    assert matches(f'"nope", {tag}', tag)
    assert matches("*", tag)
    assert not matches('W/"nope"', tag)
    assert not matches("", tag)


def test_concurrent_misses_for_one_key_compute_the_answer_once() -> None:
    async def scenario() -> tuple[int, list[tuple[int, str, bytes]]]:
        release, calls = asyncio.Event(), [0]

        async def insights(_: Request) -> JSONResponse:
            calls[0] += 1
            await release.wait()
            return JSONResponse({"n": calls[0]})

        inner = Starlette(routes=[Route("/api/v1/insights", insights)])
        app = CachedReadsMiddleware(inner, ReadCache(1 << 20), DataVersion())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            asked = [asyncio.create_task(http.get("/api/v1/insights")) for _ in range(3)]
            while not calls[0]:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # the others queue behind the first (or are not sent yet)
            release.set()
            answers = await asyncio.gather(*asked)
        return calls[0], [(a.status_code, a.headers["x-cache"], a.content) for a in answers]

    calls, answers = asyncio.run(scenario())
    assert calls == 1
    assert sorted(answers) == [(200, "hit", b'{"n":1}')] * 2 + [(200, "miss", b'{"n":1}')]


def test_each_source_has_its_own_version(tmp_path: Path) -> None:
    store, records = tmp_path / "telemetry.duckdb", tmp_path / "drillwatch.db"
    generation = [0]
    version = DataVersion.of_stores(store, records)
    version.add_generation(Source.scores, lambda: generation[0])

    def changed_by(change: Callable[[], object]) -> set[Source]:
        before = {s: version.current(frozenset({s})) for s in Source}
        change()
        return {s for s in Source if version.current(frozenset({s})) != before[s]}

    assert changed_by(lambda: None) == set()
    assert changed_by(lambda: version.bump(Source.records)) == {Source.records}
    assert changed_by(lambda: version.bump(Source.telemetry)) == {Source.telemetry}
    assert changed_by(lambda: store.write_bytes(b"data")) == {Source.telemetry}
    wal = store.with_name("telemetry.duckdb.wal")
    assert changed_by(lambda: wal.write_bytes(b"wal")) == {Source.telemetry}
    assert changed_by(lambda: generation.__setitem__(0, 1)) == {Source.scores}
    sql_wal = records.with_name("drillwatch.db-wal")
    assert changed_by(lambda: sql_wal.write_bytes(b"commit")) == {Source.records}


def test_a_write_invalidates_only_the_answers_that_read_what_it_wrote() -> None:
    async def scenario() -> list[str]:
        async def answer(request: Request) -> JSONResponse:
            return JSONResponse({"path": request.url.path, "pad": "x" * 10})

        async def written(_: Request) -> JSONResponse:
            return JSONResponse({"ok": True})

        reads = ["/api/v1/devices", "/api/ml/health-scores", "/api/ml/alerts"]
        routes = [Route(p, answer) for p in reads]
        routes += [Route(p, written, methods=["POST"]) for p in WRITES]
        app = CachedReadsMiddleware(Starlette(routes=routes), ReadCache(1 << 20), DataVersion())
        transport = httpx.ASGITransport(app=app)
        seen = []
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            for path in reads:
                await http.get(path)
            for write in WRITES:
                assert (await http.post(write)).status_code == 200
                outcomes = [(await http.get(p)).headers["x-cache"] for p in reads]
                seen.append(" ".join(outcomes))
        return seen

    # after each write: devices, health-scores, alerts
    assert asyncio.run(scenario()) == ["miss hit hit", "hit hit miss", "hit hit hit"]


WRITES = ["/api/v1/telemetry", "/api/ml/alerts/a1/acknowledge", "/api/v1/auth/token"]
