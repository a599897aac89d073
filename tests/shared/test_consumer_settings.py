"""Consumer batching settings: a configuration that cannot work is refused at startup."""

import pytest
from pydantic import ValidationError

from shared.bus.inprocess import InProcessBroker
from shared.bus.rabbitmq import RabbitBus
from shared.settings import BaseServiceSettings


def test_the_defaults_take_batches_of_100_within_10_ms_with_room_for_two() -> None:
    settings = BaseServiceSettings()

    assert (settings.consumer_batch_size, settings.consumer_batch_wait) == (100, 0.01)
    assert settings.prefetch >= 2 * settings.consumer_batch_size


@pytest.mark.parametrize(
    "overrides",
    [
        {"consumer_batch_size": 100, "prefetch": 99},  # the broker could never fill a batch
        {"consumer_batch_size": 0},
        {"consumer_batch_wait": -1},
    ],
)
def test_a_batching_that_cannot_work_is_refused(overrides: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        BaseServiceSettings(**overrides)  # type: ignore[arg-type]


def test_both_transports_refuse_a_prefetch_smaller_than_a_batch() -> None:
    with pytest.raises(ValueError, match="prefetch"):
        InProcessBroker(prefetch=10, batch_size=20)
    with pytest.raises(ValueError, match="prefetch"):
        RabbitBus("amqp://127.0.0.1/", exchange="x", prefetch=10, batch_size=20)
