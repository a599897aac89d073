"""The web client's own checks, run with the Node.js of the locked environment so that
`./school test` covers them: its Vitest unit tests, and its type check against the
services' OpenAPI documents as the services are now (a changed API breaks this test and
the build, not the page)."""

import subprocess
from collections.abc import Iterator

import pytest

from embedded.webclient import (
    NODE_BIN,
    NPM_CLI,
    WEB_DIR,
    dump_openapi,
    ensure_installed,
    exclusive,
    node_env,
)


@pytest.fixture
def web() -> Iterator[None]:
    """node_modules and the OpenAPI documents, held against a build or install running
    beside (another worker starting the embedded mode)."""
    with exclusive():
        ensure_installed()
        dump_openapi()
        yield


def npm_run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NODE_BIN / "node"), str(NPM_CLI), "run", script],
        cwd=WEB_DIR,
        env=node_env() | {"NO_COLOR": "1", "CI": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_unit_tests_pass(web: None) -> None:
    run = npm_run("test")

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert " passed" in run.stdout


def test_the_client_type_checks_against_the_services_api_as_it_is(web: None) -> None:
    generated = npm_run("gen")
    assert generated.returncode == 0, generated.stderr[-3000:]

    run = npm_run("typecheck")

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
