"""The embedded gateway: one ASGI app routing /api/<service> to each service's app and
everything else to the built web client (embedded/webapp.py), or to a landing page linking
the APIs' docs when no client was built (`--no-web`).

Each service app already serves its routes under /api/<service>, so routing needs no path
rewriting; the same URLs work behind nginx in the distributed mode, with the same security
headers on every answer (embedded/headers.py) and the same limit of sign-ins per client
address (embedded/login_limit.py).
"""

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from embedded.headers import SecurityHeaders
from embedded.login_limit import LoginRateLimit
from embedded.webapp import WebApp

LANDING_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Электронный журнал</title>
</head><body>
<h1>Электронный классный журнал и дневник</h1>
<p>Система запущена. Веб-клиент появится в следующих версиях; пока доступен программный
интерфейс (API) каждого сервиса:</p>
<ul>{links}</ul>
</body></html>"""

TITLES = {
    "auth": "Учётные записи и вход",
    "journal": "Классный журнал и дневник",
    "messaging": "Сообщения и уведомления",
    "reporting": "Отчёты",
    "archive": "Архив",
}


class Gateway:
    def __init__(self, apps: Mapping[str, FastAPI], web_dist: Path | None = None) -> None:
        self.apps = dict(apps)
        self.home = self._home()
        self.web: ASGIApp | None = None
        if web_dist is not None and (web_dist / "index.html").is_file():
            self.web = WebApp(web_dist)
        # Sign-ins per client address limited as nginx does (embedded/login_limit.py).
        self.dispatch = SecurityHeaders(LoginRateLimit(self._dispatch))

    def _home(self) -> FastAPI:
        links = "".join(
            f'<li><a href="/api/{name}/docs">{TITLES.get(name, name)}</a></li>'
            for name in self.apps
        )
        page = LANDING_PAGE.format(links=links)

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            async with AsyncExitStack() as stack:
                for app in self.apps.values():
                    await stack.enter_async_context(app.router.lifespan_context(app))
                yield

        home = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)

        @home.get("/", response_class=HTMLResponse, include_in_schema=False)
        async def index() -> str:
            return page

        return home

    def route(self, path: str) -> ASGIApp:
        parts = path.split("/", 3)
        if len(parts) >= 3 and parts[1] == "api" and parts[2] in self.apps:
            return self.apps[parts[2]]
        return self.web or self.home

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.dispatch(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.home(scope, receive, send)
            return
        await self.route(scope["path"])(scope, receive, send)
