"""The HTTP port, taken before anything else starts.

Binding first means a taken port is said in a second, in plain words, instead of after the
embedded PostgreSQL, the migrations and the demo seed, as one JSON line from uvicorn; and
the port stays ours while they run. uvicorn is then handed the bound socket.
"""

import errno
import socket

from embedded.problems import StartupProblem

# How far past a taken port to look for a free one to suggest.
SUGGESTION_RANGE = 20


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or a StartupProblem saying what to do instead."""
    try:
        return _bind(host, port)
    except OSError as error:
        raise StartupProblem(_explain(host, port, error)) from error


def _bind(host: str, port: int) -> socket.socket:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    # SO_REUSEADDR (set by create_server): a restart right after a stop does not wait for
    # the old connections' TIME_WAIT, as with uvicorn's own binding.
    return socket.create_server(address, family=family, backlog=2048)


def _explain(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        free = _free_port_after(host, port)
        instead = f"./school up --port {free}" if free else "./school up --port <другой порт>"
        return (
            f"Порт {port} уже занят другой программой (может быть, журнал уже запущен). "
            f"Остановите её или запустите журнал на другом порту: {instead}"
        )
    if error.errno == errno.EACCES:
        return (
            f"Порт {port} можно открыть только с правами администратора. "
            "Выберите порт больше 1024: ./school up --port 8000"
        )
    if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
        return (
            f"Адрес {host} не принадлежит этой машине. "
            "Для доступа только с этой машины: ./school up --host 127.0.0.1"
        )
    return f"Не удалось открыть {host}:{port}: {error.strerror or error}"


def _free_port_after(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + 1 + SUGGESTION_RANGE, 65536)):
        try:
            _bind(host, candidate).close()
        except OSError:
            continue
        return candidate
    return None
