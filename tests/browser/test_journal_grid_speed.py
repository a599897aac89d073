"""The journal grid of 30 students × 50 lessons: how long it takes to render and to answer
a keystroke, measured in the browser and printed (docs/web.md reports the figures; the
machine's load decides them, so they are not asserted)."""

import json
import statistics
import uuid
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route

from tests.browser.conftest import sign_in

# alone: one embedded system for all of them, and no parallel workers taking the CPU
# the browser's timing depends on (`./school test` runs them in its second pass)
pytestmark = [pytest.mark.browser, pytest.mark.alone]

STUDENTS, LESSONS = 30, 50


def a_big_page() -> dict[str, Any]:
    lessons = [
        {
            "lesson_id": str(uuid.uuid4()),
            "date": f"2026-{10 + (i // 25):02d}-{1 + i % 25:02d}",
            "lesson_number": 1 + i % 6,
            "topic": f"Тема {i + 1}",
            "plan_item_id": None,
            "homework": None,
            "version": 1,
            "locked": False,
        }
        for i in range(LESSONS)
    ]
    students = [
        {
            "student_id": str(uuid.uuid4()),
            "last_name": f"Ученикова{i:02d}",
            "first_name": "Мария",
            "middle_name": None,
            "enrollments": [{"starts_on": "2026-09-01", "ends_on": None}],
        }
        for i in range(STUDENTS)
    ]
    cells = [
        {
            "lesson_id": lesson["lesson_id"],
            "student_id": student["student_id"],
            "marks": [
                {
                    "mark_id": str(uuid.uuid4()),
                    "work_type": "answer",
                    "value": 2 + (s + n) % 4,
                    "version": 1,
                }
            ],
            "attendance": None,
        }
        for s, student in enumerate(students)
        for n, lesson in enumerate(lessons)
        if (s + n) % 3 == 0
    ]
    return {
        "assignment": {
            "assignment_id": str(uuid.uuid4()),
            "teacher_id": str(uuid.uuid4()),
            "class_id": str(uuid.uuid4()),
            "class_name": "7Б",
            "subject_id": str(uuid.uuid4()),
            "subject_name": "Алгебра",
        },
        "period": {
            "period_id": str(uuid.uuid4()),
            "kind": "quarter",
            "number": 2,
            "starts_on": "2026-10-01",
            "ends_on": "2026-11-30",
            "closed": False,
        },
        "students": students,
        "lessons": lessons,
        "cells": cells,
        "work_types": [{"code": "answer", "name": "Ответ на уроке", "weight": 1}],
        "plan_items": [],
    }


KEYSTROKE = """async ([row, column]) => {
  const cell = document.querySelector(`td[data-row="${row}"][data-column="${column}"]`);
  cell.focus();
  const before = cell.textContent;
  const start = performance.now();
  cell.dispatchEvent(new KeyboardEvent("keydown", { key: "5", bubbles: true }));
  while (cell.textContent === before) await new Promise((r) => setTimeout(r, 0));
  const shown = performance.now() - start;
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return [shown, performance.now() - start];
}"""


def test_a_grid_of_30_students_and_50_lessons_renders_and_answers_a_key(
    desktop: BrowserContext,
) -> None:
    page = desktop.new_page()
    sign_in(page, "teacher")
    big = a_big_page()
    assignment, period = big["assignment"]["assignment_id"], big["period"]["period_id"]

    def serve(route: Route) -> None:
        if route.request.method == "GET" and route.request.url.endswith("/page"):
            route.fulfill(status=200, content_type="application/json", body=json.dumps(big))
        else:
            route.fulfill(status=404, content_type="application/problem+json", body="{}")

    page.route(f"**/api/journal/assignments/{assignment}/**", serve)
    page.evaluate("performance.mark('open')")
    started = page.evaluate("performance.now()")
    page.evaluate(f"history.pushState(null, '', '/journal/{assignment}/{period}')")
    page.evaluate("dispatchEvent(new PopStateEvent('popstate'))")
    page.wait_for_selector(f'td[data-row="{STUDENTS - 1}"][data-column="{LESSONS - 1}"]')
    rendered = page.evaluate("performance.now()") - started
    assert page.locator("td[role=gridcell]").count() == STUDENTS * LESSONS

    keystrokes = [page.evaluate(KEYSTROKE, [row, 10 + row]) for row in range(10)]
    shown = [k[0] for k in keystrokes]
    painted = [k[1] for k in keystrokes]
    print(
        f"\ngrid {STUDENTS}×{LESSONS}: rendered in {rendered:.0f} ms; a keystroke: in the "
        f"page's DOM after {statistics.median(shown):.0f} ms (median of 10, max "
        f"{max(shown):.0f}), painted after {statistics.median(painted):.0f} ms "
        f"(max {max(painted):.0f})"
    )
