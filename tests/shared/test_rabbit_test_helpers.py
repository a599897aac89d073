"""The RabbitMQ test helpers (shared.testing_rabbit) that run without a broker."""

import json

import httpx

from shared.testing_rabbit import ManagementApi, TcpProxy, with_vhost


def test_a_vhost_url_keeps_credentials_and_encodes_the_name() -> None:
    assert (
        with_vhost("amqp://guest:guest@127.0.0.1:5672/", "test-1/x")
        == "amqp://guest:guest@127.0.0.1:5672/test-1%2Fx"
    )


def test_the_proxy_url_points_at_the_proxy_with_the_same_credentials() -> None:
    proxy = TcpProxy.to("amqp://guest:secret@10.0.0.5:5673/vh?heartbeat=5")
    proxy.port = 40001

    assert (proxy.target_host, proxy.target_port) == ("10.0.0.5", 5673)
    assert proxy.url_for("amqp://guest:secret@10.0.0.5:5673/vh?heartbeat=5") == (
        "amqp://guest:secret@127.0.0.1:40001/vh?heartbeat=5"
    )


async def test_the_management_api_creates_a_vhost_with_permissions_and_closes_by_name() -> None:
    calls: list[tuple[str, str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append((request.method, request.url.raw_path.decode(), body))
        if request.method == "GET":
            return httpx.Response(
                200,
                json=[
                    {
                        "name": "127.0.0.1:5000 -> 127.0.0.1:5672",
                        "client_properties": {"connection_name": "bus-1"},
                    },
                    {
                        "name": "127.0.0.1:5001 -> 127.0.0.1:5672",
                        "client_properties": {"connection_name": "other"},
                    },
                ],
            )
        return httpx.Response(204)

    api = ManagementApi(
        "http://broker:15672", "guest", "guest", transport=httpx.MockTransport(answer)
    )

    await api.create_vhost("test-1", "guest")
    closed = await api.close_connections("bus-1")
    await api.delete_vhost("test-1")

    assert closed == 1
    assert calls == [
        ("PUT", "/api/vhosts/test-1", {}),
        ("PUT", "/api/permissions/test-1/guest", {"configure": ".*", "write": ".*", "read": ".*"}),
        ("GET", "/api/connections?columns=name%2Cclient_properties", None),
        ("DELETE", "/api/connections/127.0.0.1%3A5000%20-%3E%20127.0.0.1%3A5672", None),
        ("DELETE", "/api/vhosts/test-1", None),
    ]
