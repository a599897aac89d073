"""AMQP topic matching, as the in-process bus routes (shared.bus.topic_matches)."""

import random

import pytest

from shared.bus import topic_matches


@pytest.mark.parametrize(
    ("pattern", "routing_key", "matches"),
    [
        ("journal.mark.posted.v1", "journal.mark.posted.v1", True),
        ("journal.mark.posted.v1", "journal.mark.posted.v2", False),
        ("journal.mark.*.v1", "journal.mark.posted.v1", True),
        ("journal.mark.*.v1", "journal.mark.v1", False),  # * is exactly one word
        ("journal.*", "journal.mark.posted.v1", False),
        ("journal.#", "journal.mark.posted.v1", True),
        ("journal.#", "journal", True),  # # may be zero words
        ("journal.#", "journalx.mark", False),
        ("#", "auth.account.created.v1", True),
        ("#.v1", "journal.mark.posted.v1", True),
        ("#.v1", "journal.mark.posted.v2", False),
        ("journal.#.v1", "journal.v1", True),
        ("journal.#.posted.#", "journal.mark.posted.v1", True),
        ("*.*.*.v1", "auth.account.created.v1", True),
        ("*", "", True),  # the empty key is one empty word, as in RabbitMQ
        ("", "journal", False),
    ],
)
def test_topic_patterns_match_like_amqp(pattern: str, routing_key: str, matches: bool) -> None:
    assert topic_matches(pattern, routing_key) is matches


def _reference(pattern: str, routing_key: str) -> bool:
    """The textbook recursive definition, word by word."""

    def match(pattern_words: list[str], words: list[str]) -> bool:
        if not pattern_words:
            return not words
        head, rest = pattern_words[0], pattern_words[1:]
        if head == "#":
            return any(match(rest, words[i:]) for i in range(len(words) + 1))
        return bool(words) and head in ("*", words[0]) and match(rest, words[1:])

    return match(pattern.split("."), routing_key.split("."))


def test_topic_matching_agrees_with_the_recursive_definition_on_random_keys() -> None:
    rng = random.Random(20261128)
    words = ["a", "b", "c"]
    for _ in range(3000):
        key = ".".join(rng.choice(words) for _ in range(rng.randint(1, 5)))
        pattern = ".".join(rng.choice([*words, "*", "#"]) for _ in range(rng.randint(1, 5)))
        assert topic_matches(pattern, key) is _reference(pattern, key), (pattern, key)


def test_many_hashes_do_not_make_matching_explode() -> None:
    pattern = ".".join(["#"] * 30 + ["z"])
    key = ".".join(["a"] * 60)

    assert topic_matches(pattern, key) is False
