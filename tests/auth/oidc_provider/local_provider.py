"""A real local OpenID Connect provider for the tests: provider.js (npm's `oidc-provider`)
run with the Node.js of the locked environment, on a free port, and a driver of its login
and consent pages with httpx (what a person does in the browser)."""

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx

from embedded.webclient import NODE_BIN, ensure_installed, exclusive, node_env

HERE = Path(__file__).resolve().parent
CLIENT_ID = "school-journal"
CLIENT_SECRET = "local-test-secret-not-for-production"


@dataclass(frozen=True)
class LocalProvider:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def install() -> None:
    """`npm ci` once per lock file (a stamp in node_modules/, as for the web client)."""
    with exclusive(HERE):
        ensure_installed(HERE)


@contextmanager
def running_provider(
    redirect_uris: tuple[str, ...], *, port: int | None = None, timeout: float = 30.0
) -> Iterator[LocalProvider]:
    """The provider, answering its discovery document, until the block ends (on `port`,
    or on a free one)."""
    install()
    port = port or free_port()
    env = node_env() | {
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": " ".join(redirect_uris),
    }
    process = subprocess.Popen(
        [str(NODE_BIN / "node"), str(HERE / "provider.js")],
        cwd=HERE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited with {process.returncode}")
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the OIDC provider did not answer its discovery document")
            time.sleep(0.1)
        yield LocalProvider(issuer, CLIENT_ID, CLIENT_SECRET, redirect_uris)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_PROMPT = re.compile(r'name="prompt" value="([a-z]+)"')


async def sign_in_at_provider(authorization_url: str, subject: str, *, redirect_uri: str) -> str:
    """Follow the authorization request through the provider's login (as `subject`) and
    consent pages, as a browser would; the URL it finally sends the browser back to
    (redirect_uri?code=...&state=...)."""
    async with httpx.AsyncClient(timeout=10) as browser:
        url = authorization_url
        for _ in range(12):
            response = await browser.get(url)
            while response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if url.startswith(redirect_uri):
                    return url
                response = await browser.get(url)
            response.raise_for_status()
            form = _FORM.search(response.text)
            prompt = _PROMPT.search(response.text)
            if form is None or prompt is None:
                raise AssertionError(f"not a login or consent page: {response.text[:300]}")
            fields = {"prompt": prompt.group(1)}
            if prompt.group(1) == "login":
                fields |= {"login": subject, "password": "any"}
            posted = await browser.post(urljoin(url, unescape(form.group(1))), data=fields)
            if not posted.is_redirect:
                raise AssertionError(f"the provider refused the form: {posted.status_code}")
            url = urljoin(url, posted.headers["location"])
            if url.startswith(redirect_uri):
                return url
        raise AssertionError("the provider never sent the browser back")


def provider_env_for_embedded(provider: LocalProvider, redirect_uri: str) -> dict[str, str]:
    """The AUTH_OIDC_* settings of a school that signs in through this provider."""
    return {
        "AUTH_OIDC_ISSUER": provider.issuer,
        "AUTH_OIDC_CLIENT_ID": provider.client_id,
        "AUTH_OIDC_CLIENT_SECRET": provider.client_secret,
        "AUTH_OIDC_REDIRECT_URI": redirect_uri,
    }


__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "LocalProvider",
    "provider_env_for_embedded",
    "running_provider",
    "sign_in_at_provider",
]
