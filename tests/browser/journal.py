"""Helpers for the journal's browser tests: the teacher's grid opened the way a teacher
opens it, and the same page read through the API to check what the server holds."""

import re
from dataclasses import dataclass
from typing import Any

import httpx
from playwright.sync_api import Locator, Page

from tests.browser.conftest import api_token, sign_in
from tests.embedded_mode.test_embedded_mode import Embedded


@dataclass
class Grid:
    page: Page
    assignment_id: str
    period_id: str

    def cell(self, row: int, column: int) -> Locator:
        return self.page.locator(f'td[data-row="{row}"][data-column="{column}"]')

    def status(self) -> Locator:
        return self.page.get_by_test_id("save-status")


def open_grid(page: Page, login: str = "teacher", subject: str = "Математика, 5А") -> Grid:
    sign_in(page, login)
    # exact: on a day with a lesson of it, the day's list links "…, урок 2" too
    page.get_by_role("link", name=f"Открыть журнал: {subject}", exact=True).click()
    page.get_by_role("grid").wait_for()
    match = re.search(r"/journal/([0-9a-f-]+)/([0-9a-f-]+)", page.url)
    assert match, page.url
    return Grid(page, match[1], match[2])


def server_page(school: Embedded, grid: Grid, login: str = "teacher") -> dict[str, Any]:
    token = api_token(school, login)
    response = httpx.get(
        f"{school.base_url}/api/journal/assignments/{grid.assignment_id}/periods/{grid.period_id}/page",
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    page: dict[str, Any] = response.json()
    return page


def server_cell(page: dict[str, Any], lesson_id: str, student_id: str) -> dict[str, Any]:
    for cell in page["cells"]:
        if cell["lesson_id"] == lesson_id and cell["student_id"] == student_id:
            found: dict[str, Any] = cell
            return found
    return {"marks": [], "attendance": None}


def last_open_lesson(page: dict[str, Any]) -> int:
    """The column of the page's last lesson that still takes entries."""
    open_columns = [i for i, lesson in enumerate(page["lessons"]) if not lesson["locked"]]
    assert open_columns, "no lesson on the page takes entries"
    return open_columns[-1]


# The physical keys of the Russian letters (ЙЦУКЕН): what a Russian layout sends.
RUSSIAN_KEYS = {"н": "KeyY", "б": "Comma", "п": "KeyG", "о": "KeyJ"}


def type_russian(cell: Locator, letter: str) -> None:
    """A key press on a Russian layout (Playwright's keyboard knows only the US layout's
    keys, so the key event is dispatched as the browser would send it)."""
    cell.dispatch_event(
        "keydown", {"key": letter, "code": RUSSIAN_KEYS[letter.lower()], "bubbles": True}
    )
