"""How long failed work waits before its next try (shared.relay.backoff for publishing,
shared.bus.retry_delay for deliveries)."""

from datetime import timedelta

from shared.bus import retry_delay
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
