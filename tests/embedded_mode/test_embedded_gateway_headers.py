"""The embedded gateway answers with the same security headers as nginx in the distributed
mode: on the landing page, on a service's answers and errors, and on the Swagger UI pages."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from embedded.gateway import Gateway
from embedded.headers import APP_POLICY, DOCS_POLICY, FIXED

SCHOOL_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "school.conf"


def journal_app() -> FastAPI:
    app = FastAPI(docs_url="/api/journal/docs", openapi_url="/api/journal/openapi.json")

    @app.get("/api/journal/ok")
    async def ok() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/api/journal/broken")
    async def broken() -> None:
        raise HTTPException(404)

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=Gateway({"journal": journal_app()}))
    return httpx.AsyncClient(transport=transport, base_url="http://school")


@pytest.mark.parametrize("path", ["/", "/api/journal/ok", "/api/journal/broken", "/nowhere"])
async def test_every_answer_carries_the_security_headers(
    client: httpx.AsyncClient, path: str
) -> None:
    answer = await client.get(path)
    for name, value in FIXED.items():
        assert answer.headers[name] == value
    assert answer.headers["Content-Security-Policy"] == APP_POLICY
    assert "frame-ancestors 'none'" in APP_POLICY


async def test_the_swagger_ui_page_may_load_fastapis_assets(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/journal/docs")
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"] == DOCS_POLICY


def test_the_headers_are_the_ones_nginx_sets_in_the_distributed_mode() -> None:
    conf = SCHOOL_CONF.read_text()
    fixed = dict(re.findall(r'add_header (X-[\w-]+|Referrer-Policy) "([^"]+)" always;', conf))
    assert fixed == FIXED
    policies = re.findall(r'^\s+(?:"[^"]+"|default) "([^"]+)";$', conf, flags=re.M)
    assert DOCS_POLICY in policies
    assert APP_POLICY in policies
