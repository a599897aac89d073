"""The order journal's routes are matched in: the hottest first, and none of them taking
a request meant for a route after it."""

import re
import uuid

from fastapi.routing import APIRoute

from journal.api import DOMAINS
from journal.diary.api import router as diary
from journal.marks.api import router as marks


def routes_in_order() -> list[APIRoute]:
    return [route for domain in DOMAINS for route in domain.routes if isinstance(route, APIRoute)]


def test_the_diary_and_the_marks_are_matched_first() -> None:
    assert DOMAINS[:2] == (diary, marks)


def test_no_route_takes_the_paths_of_a_route_after_it() -> None:
    routes = routes_in_order()
    assert len(routes) > 50
    for i, route in enumerate(routes):
        # Any value in every parameter: an id, a date, a code all fill one segment.
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route.path)
        assert route.path_regex.match(path), route.path
        for earlier in routes[:i]:
            shadows = bool(earlier.methods & route.methods) and earlier.path_regex.match(path)
            assert not shadows, f"{sorted(earlier.methods)} {earlier.path} takes {route.path}"
