"""The embedded gateway serves the built web client at / as nginx does in the distributed
mode (tests/deploy/test_gateway.py): its files as they are, the client's own routes as its
index page, hashed assets cached for a year, the rest revalidated, the security headers on
all of it, and the API where it was."""

import gzip
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from embedded.gateway import Gateway
from embedded.headers import APP_POLICY
from embedded.webapp import IMMUTABLE, REVALIDATE


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Журнал</title>")
    (tmp_path / "assets" / "index-3f2a9c.js").write_text("console.log('app')")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    big = "console.log('большой модуль');\n" * 200
    (tmp_path / "assets" / "vendor-77aa01.js").write_text(big)
    (tmp_path / "assets" / "vendor-77aa01.js.gz").write_bytes(gzip.compress(big.encode()))
    (tmp_path.parent / "secret.txt").write_text("not to be served")
    return tmp_path


def journal_app() -> FastAPI:
    app = FastAPI(openapi_url=None)

    @app.get("/api/journal/ok")
    async def ok() -> dict[str, str]:
        return {"ok": "yes"}

    return app


@pytest.fixture
async def client(dist: Path) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=Gateway({"journal": journal_app()}, dist))
    return httpx.AsyncClient(transport=transport, base_url="http://school")


@pytest.mark.parametrize("path", ["/", "/today", "/journal/a/b?lesson=c", "/signin"])
async def test_the_clients_routes_are_its_index_page_revalidated_each_time(
    client: httpx.AsyncClient, path: str
) -> None:
    answer = await client.get(path)

    assert answer.status_code == 200
    assert "<title>Журнал</title>" in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == REVALIDATE
    assert answer.headers["content-security-policy"] == APP_POLICY


async def test_hashed_assets_are_cached_for_a_year_and_the_service_worker_never(
    client: httpx.AsyncClient,
) -> None:
    asset = await client.get("/assets/index-3f2a9c.js")
    worker = await client.get("/sw.js")

    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    assert worker.text.startswith("self.addEventListener")
    assert worker.headers["cache-control"] == REVALIDATE


async def test_a_build_files_gzip_copy_goes_to_browsers_that_accept_gzip(
    client: httpx.AsyncClient, dist: Path
) -> None:
    plain = (dist / "assets" / "vendor-77aa01.js").read_bytes()
    packed = await client.get("/assets/vendor-77aa01.js", headers={"Accept-Encoding": "gzip"})
    as_is = await client.get("/assets/vendor-77aa01.js", headers={"Accept-Encoding": "identity"})

    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["content-type"].startswith("text/javascript")
    assert int(packed.headers["content-length"]) < len(plain) / 10
    assert packed.content == plain  # httpx undoes the gzip
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.headers["cache-control"] == IMMUTABLE
    assert "content-encoding" not in as_is.headers and as_is.content == plain
    assert as_is.headers["vary"] == "Accept-Encoding"
    # a file without a copy (too small to gain) goes as it is
    small = await client.get("/assets/index-3f2a9c.js", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


@pytest.mark.parametrize(
    "path", ["/assets/gone-1234.js", "/api/", "/api/unknown/thing", "/assets/..%2F..%2Fsecret.txt"]
)
async def test_a_missing_asset_or_api_route_is_a_404_problem_not_the_page(
    client: httpx.AsyncClient, path: str
) -> None:
    answer = await client.get(path)

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:school:problem:not-found"


async def test_nothing_outside_the_build_is_served(client: httpx.AsyncClient) -> None:
    answer = await client.get("/..%2Fsecret.txt")

    assert "not to be served" not in answer.text


async def test_a_write_to_the_client_is_refused(client: httpx.AsyncClient) -> None:
    answer = await client.post("/today")

    assert answer.status_code == 405


async def test_the_api_stays_at_its_place(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/journal/ok")

    assert answer.json() == {"ok": "yes"}


async def test_without_a_build_the_landing_page_links_the_apis(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=Gateway({"journal": journal_app()}, tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://school") as client:
        answer = await client.get("/")

    assert "/api/journal/docs" in answer.text
