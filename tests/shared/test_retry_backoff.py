"""Failed work and its next try: how long publishing waits (shared.relay.backoff), how
long a failed delivery waits (shared.bus.retry_delay), and which handler failures are a
passing outage retried without using up the delivery limit (shared.bus.is_transient)."""

from datetime import timedelta

from shared.bus import is_transient, retry_delay
from shared.relay import MAX_BACKOFF, backoff


def test_publishing_backoff_doubles_from_half_a_second() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [0.5, 1, 2, 4, 8]


def test_publishing_backoff_is_capped_at_thirty_seconds_even_after_many_failures() -> None:
    assert backoff(7) == MAX_BACKOFF == timedelta(seconds=30)
    assert backoff(10_000) == MAX_BACKOFF


def test_a_row_that_never_failed_waits_the_shortest_backoff() -> None:
    assert backoff(0) == timedelta(seconds=0.5)


def test_redelivery_pause_doubles_and_is_capped() -> None:
    assert [retry_delay(n) for n in range(1, 5)] == [0.5, 1.0, 2.0, 4.0]
    assert retry_delay(100) == 30.0


def test_redelivery_pause_can_be_switched_off() -> None:
    assert retry_delay(3, base=0) == 0.0


class _FakeAsyncpgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


class _FakeSqlalchemyError(Exception):
    def __init__(self, orig: BaseException | None, invalidated: bool = False) -> None:
        super().__init__("wrapped")
        self.orig = orig
        self.connection_invalidated = invalidated


def _raised_from(cause: BaseException) -> BaseException:
    try:
        raise RuntimeError("handler failed") from cause
    except RuntimeError as exc:
        return exc


def test_network_and_database_outages_are_transient() -> None:
    assert is_transient(ConnectionRefusedError())
    assert is_transient(TimeoutError())
    assert is_transient(_FakeSqlalchemyError(None, invalidated=True))
    assert is_transient(_FakeAsyncpgError("57P03"))  # the database is starting up
    assert is_transient(_FakeAsyncpgError("08006"))  # connection failure
    assert is_transient(_FakeAsyncpgError("40001"))  # serialization conflict
    assert is_transient(_FakeSqlalchemyError(_FakeAsyncpgError("57P01")))
    assert is_transient(_raised_from(ConnectionResetError()))


def test_problems_with_the_message_or_the_code_are_not_transient() -> None:
    assert not is_transient(ValueError("bad data"))
    assert not is_transient(KeyError("missing"))
    assert not is_transient(_FakeAsyncpgError("23505"))  # unique violation
    assert not is_transient(_FakeSqlalchemyError(_FakeAsyncpgError("22012")))  # 1/0
    assert not is_transient(FileNotFoundError("template.html"))
