"""The built web client (web/dist) as the embedded gateway serves it at `/`, alike nginx's
rules in the distributed mode (deploy/nginx/school.conf): a file of the build as it is,
any other path outside /api/ the app's index.html (client-side routes), hashed assets
cached for a year, index.html, the service worker and the rest revalidated every time; a
text file's gzip copy made by the build (`name.gz`) to a browser that accepts gzip."""

import mimetypes
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from shared.errors import problem_response

# Vite names the files under assets/ by their content's hash: they never change.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control(path: str) -> str:
    return IMMUTABLE if path.startswith("/assets/") else REVALIDATE


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return any(
                part.split(b";")[0].strip() in (b"gzip", b"*") and not part.endswith(b"q=0")
                for part in value.split(b",")
            )
    return False


class WebApp:
    """ASGI app serving a Vite build directory with the single-page fallback."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist.resolve()
        self.index = self.dist / "index.html"

    def _file(self, path: str) -> Path | None:
        candidate = (self.dist / path.lstrip("/")).resolve()
        if candidate.is_relative_to(self.dist) and candidate.is_file():
            return candidate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        response: Response
        if scope["method"] not in ("GET", "HEAD"):
            response = problem_response(
                Request(scope), 405, "method-not-allowed", "Method not allowed"
            )
        elif path.startswith(("/api/", "/assets/")) or path == "/api":
            found = None if path.startswith("/api") else self._file(path)
            response = (
                self._send_file(scope, found, IMMUTABLE)
                if found
                else problem_response(Request(scope), 404, "not-found", "Not found")
            )
        else:
            found = self._file(path) if path != "/" else None
            response = self._send_file(scope, found or self.index, cache_control(path))
        await response(scope, receive, send)

    def _send_file(self, scope: Scope, found: Path, cache: str) -> Response:
        """The file, or its gzip copy from the build (`name.gz`) to a browser that takes
        gzip, as nginx's gzip_static sends it."""
        headers = {"Cache-Control": cache}
        packed = found.with_name(found.name + ".gz")
        if not packed.is_file():
            return FileResponse(found, headers=headers)
        headers["Vary"] = "Accept-Encoding"
        if not accepts_gzip(scope):
            return FileResponse(found, headers=headers)
        headers["Content-Encoding"] = "gzip"
        media_type = mimetypes.guess_type(found.name)[0] or "text/plain"
        return FileResponse(packed, headers=headers, media_type=media_type)
