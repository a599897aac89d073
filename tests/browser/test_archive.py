"""The archive's screens in a real Chromium against the embedded demo school. The demo has
no closed year, so the module first makes one the way a school would: a past year
(2019/20) with a class of one student who left at its end, closed by the deputy; the
embedded archive seals it (its job, every 30 s). Then: the director reads the years, the
class journal and downloads its PDF (the bytes are the sealed file's), runs the integrity
check and sees each file's result, and after a file is damaged on disk sees it named; the
deputy downloads too; the system administrator sees the list and the check, no download;
a teacher has no archive; a student and a parent have their report cards' screen. Each
screen photographed at 1280 and 360 px."""

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE, api_token, screenshot, sign_in
from tests.embedded_mode.test_embedded_mode import Embedded

pytestmark = pytest.mark.browser

YEAR = {"starts_on": "2019-09-02", "ends_on": "2020-05-29", "periods": []}
CLASS_NAME = "9Ж"


class Caller:
    def __init__(self, school: Embedded, login: str) -> None:
        self.http = httpx.Client(
            base_url=school.base_url,
            headers={"Authorization": f"Bearer {api_token(school, login)}"},
            timeout=60,
        )

    def get(self, path: str) -> Any:
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.post(path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()


def data_dir(school: Embedded) -> Path:
    args = [str(a) for a in school.process.args]  # type: ignore[union-attr]
    return Path(args[args.index("--data-dir") + 1])


@pytest.fixture(scope="module")
def sealed(school: Embedded) -> dict[str, Any]:
    """The sealed 2019/20 of the demo school (closed here, sealed by the archive's job):
    the archive's year with its files."""
    director = Caller(school, "director")
    found = [y for y in director.get("/api/archive/years")["items"] if y["name"] == "2019/20"]
    if not found:
        deputy = Caller(school, "deputy")
        year = deputy.post("/api/journal/years", YEAR)
        klass = deputy.post("/api/journal/classes", {"name": CLASS_NAME, "grade": 9})
        student = deputy.post(
            "/api/journal/students",
            {
                "class_id": klass["class_id"],
                "last_name": "Архипов",
                "first_name": "Пётр",
                "birth_date": "2005-03-01",
                "starts_on": YEAR["starts_on"],
            },
        )
        # left at the year's end: today's class lists stay as the demo has them
        deputy.post(
            f"/api/journal/students/{student['student_id']}/leave", {"last_day": YEAR["ends_on"]}
        )
        deputy.post(f"/api/journal/years/{year['year_id']}/close")
    deadline = time.monotonic() + 240
    while True:  # the archive's job seals waiting years every 30 s
        years = [y for y in director.get("/api/archive/years")["items"] if y["name"] == "2019/20"]
        if years and years[0]["status"] == "sealed":
            break
        assert not years or years[0]["status"] != "refused", years[0]["last_error"]
        assert time.monotonic() < deadline, f"2019/20 not sealed in 240 s: {years}"
        time.sleep(1)
    detail: dict[str, Any] = director.get(f"/api/archive/years/{years[0]['year_id']}")
    return detail


@pytest.fixture
def page_of(desktop: BrowserContext) -> Iterator[Page]:
    yield desktop.new_page()


def phone_shot(
    browser: Browser, school: Embedded, login: str, path: str, shows: str, name: str
) -> None:
    """The screen at `path` at 360 px: nothing wider than the phone, photographed."""
    context = browser.new_context(
        base_url=school.base_url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        timezone_id="Europe/Moscow",
    )
    try:
        page = context.new_page()
        sign_in(page, login)
        page.goto(path)
        expect(page.get_by_text(shows).first).to_be_visible()
        if path.startswith("/archive/years/"):
            page.get_by_role("button", name="Проверить").click()
            expect(page.get_by_role("status")).to_contain_text("Архив")
        # not "networkidle": the live stream of the nav's counts stays open
        expect(page.get_by_role("navigation", name="Разделы")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, f"{name}-phone")
    finally:
        context.close()


def pdf_of(sealed: dict[str, Any]) -> dict[str, Any]:
    [pdf] = [f for f in sealed["files"] if f["kind"] == "pdf" and f["class_name"] == CLASS_NAME]
    return pdf


def test_the_director_opens_a_sealed_year_downloads_its_journal_and_checks_it(
    page_of: Page, browser: Browser, school: Embedded, sealed: dict[str, Any]
) -> None:
    page = page_of
    sign_in(page, "director")
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Архив").click()
    expect(page.get_by_role("heading", name="Архив", level=1)).to_be_visible()
    years = page.get_by_role("list", name="Учебные годы в архиве")
    card = years.get_by_role("listitem").filter(has_text="2019/20")
    expect(card).to_contain_text("Запечатан")
    expect(card).to_contain_text(f"Классных журналов{sealed['class_journals']}")
    screenshot(page, "archive-years-desktop")
    card.get_by_role("link", name="Учебный год 2019/20").click()

    expect(page.get_by_role("heading", name="Учебный год 2019/20")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=CLASS_NAME))
    expect(row).to_have_count(1)
    pdf = pdf_of(sealed)
    with page.expect_download() as started:
        row.get_by_role("button", name=re.compile("^Скачать PDF")).click()
    download = started.value
    assert download.suggested_filename == f"{CLASS_NAME}-journal.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == pdf["sha256"]

    page.get_by_role("button", name="Проверить").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Архив цел: проверено файлов")
    results = status.get_by_role("row")
    expect(results).to_have_count(len(sealed["files"]) + 1)  # and the header
    expect(status.locator("tr.result-intact")).to_have_count(len(sealed["files"]))
    screenshot(page, "archive-year-desktop")
    phone_shot(
        browser,
        school,
        "director",
        f"/archive/years/{sealed['year_id']}",
        "Классные журналы",
        "archive-year",
    )
    phone_shot(browser, school, "director", "/archive", "Учебный год 2019/20", "archive-years")


def test_the_deputy_downloads_the_package_of_a_class_journal(
    page_of: Page, school: Embedded, sealed: dict[str, Any]
) -> None:
    [package] = [
        f for f in sealed["files"] if f["kind"] == "package" and f["class_name"] == CLASS_NAME
    ]
    page = page_of
    sign_in(page, "deputy")
    page.goto(f"/archive/years/{sealed['year_id']}")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=CLASS_NAME))
    with page.expect_download() as started:
        row.get_by_role("button", name=re.compile("^Скачать JSON")).click()
    content = Path(started.value.path()).read_bytes()
    assert content.startswith(b"PK")
    assert hashlib.sha256(content).hexdigest() == package["sha256"]


def test_the_system_administrator_sees_the_list_and_the_check_but_no_file(
    page_of: Page, school: Embedded, sealed: dict[str, Any]
) -> None:
    admin = Caller(school, "admin")
    assert admin.http.get("/api/archive/years").status_code == 200
    refused = admin.http.get(
        f"/api/archive/years/{sealed['year_id']}/files/{pdf_of(sealed)['file_id']}"
    )
    assert refused.status_code == 403
    page = page_of
    sign_in(page, "admin")
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Архив").click()
    page.get_by_role("link", name="Учебный год 2019/20").click()
    expect(page.get_by_role("heading", name="Учебный год 2019/20")).to_be_visible()
    expect(page.get_by_role("rowheader", name=CLASS_NAME)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Скачать"))).to_have_count(0)
    expect(
        page.get_by_text("Файлы журналов скачивают директор и заместитель директора")
    ).to_be_visible()
    page.get_by_role("button", name="Проверить").click()
    expect(page.get_by_role("status")).to_contain_text("Архив цел")
    screenshot(page, "archive-sysadmin-desktop")


def test_a_teacher_has_no_archive(page_of: Page, school: Embedded, sealed: dict[str, Any]) -> None:
    teacher = Caller(school, "teacher")
    assert teacher.http.get("/api/archive/years").status_code == 403
    page = page_of
    sign_in(page, "teacher")
    nav = page.get_by_role("navigation", name="Разделы")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("^Архив|Табели"))).to_have_count(0)
    for path in ("/archive", f"/archive/years/{sealed['year_id']}", "/report-cards"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Нет доступа")).to_be_visible()
    screenshot(page, "archive-teacher-desktop")


@pytest.mark.parametrize("login", ["student", "parent"])
def test_a_family_reads_its_archived_report_cards_and_not_the_schools_archive(
    page_of: Page, browser: Browser, school: Embedded, sealed: dict[str, Any], login: str
) -> None:
    family = Caller(school, login)
    assert family.http.get("/api/archive/years").status_code == 403
    page = page_of
    sign_in(page, login)
    nav = page.get_by_role("navigation", name="Разделы")
    expect(nav.get_by_role("link", name="Архив")).to_have_count(0)
    nav.get_by_role("link", name="Табели прошлых лет").click()
    expect(page.get_by_role("heading", name="Табели прошлых лет", level=1)).to_be_visible()
    # the demo's children were not at the school in 2019/20: no archived report card
    expect(
        page.get_by_text("В архиве пока нет закрытых учебных годов с табелем.").first
    ).to_be_visible()
    page.goto("/archive")
    expect(page.get_by_role("heading", name="Нет доступа")).to_be_visible()
    if login == "parent":
        phone_shot(
            browser,
            school,
            login,
            "/report-cards",
            "В архиве пока нет закрытых учебных годов с табелем.",
            "archive-report-cards",
        )


def test_a_damaged_file_is_named_by_the_check(
    page_of: Page, school: Embedded, sealed: dict[str, Any]
) -> None:
    """Last in the module: the sealed PDF is overwritten on disk, as an intruder would."""
    pdf = pdf_of(sealed)
    school_id = Caller(school, "director").get("/api/auth/me")["school"]["id"]
    target = data_dir(school) / "archive" / "storage" / school_id / sealed["year_id"] / pdf["path"]
    assert target.is_file(), target
    target.write_bytes(b"%PDF-1.7 forged")
    page = page_of
    sign_in(page, "director")
    page.goto(f"/archive/years/{sealed['year_id']}")
    page.get_by_role("button", name="Проверить").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Архив повреждён: 1 нарушение")
    damaged = status.locator("tr.result-damaged")
    expect(damaged).to_have_count(1)
    expect(damaged).to_contain_text(f"Журнал (PDF), {CLASS_NAME}")
    expect(damaged).to_contain_text("файл изменён: контрольная сумма не совпадает с перечнем")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=CLASS_NAME))
    row.get_by_role("button", name=re.compile("^Скачать PDF")).click()
    expect(row.get_by_role("alert")).to_contain_text("Файл не выдан")
    screenshot(page, "archive-damaged-desktop")


def test_an_archived_report_card_is_laid_out_by_subject_and_period(
    phone: BrowserContext, school: Embedded, sealed: dict[str, Any]
) -> None:
    """The demo's children have no archived year, so the two answers are the server's as
    the screen would have them for a child who had one (routes of the browser; the
    server's own answers are tested in tests/archive/test_archive_reading.py)."""
    parent = Caller(school, "parent")
    child = parent.get("/api/auth/me")["children"][0]
    year_id = sealed["year_id"]
    years = {
        "student_id": child,
        "last_name": "Смирнов",
        "first_name": "Иван",
        "items": [
            {
                "year_id": year_id,
                "year_name": "2019/20",
                "starts_on": "2019-09-02",
                "ends_on": "2020-05-29",
                "class_name": "9Ж",
            }
        ],
    }
    finals = [
        {"period_kind": "quarter", "period_number": n, "value": v}
        for n, v in ((1, "4"), (2, "5"), (3, "4"), (4, "5"))
    ] + [{"period_kind": None, "period_number": None, "value": "5"}]
    card = {
        "year_id": year_id,
        "year_name": "2019/20",
        "student_id": child,
        "last_name": "Смирнов",
        "first_name": "Иван",
        "class_name": "9Ж",
        "subjects": [
            {
                "subject_id": "00000000-0000-4000-8000-00000000000a",
                "subject_name": "Алгебра",
                "finals": finals,
            },
            {
                "subject_id": "00000000-0000-4000-8000-00000000000b",
                "subject_name": "Русский язык",
                "finals": [{"period_kind": "quarter", "period_number": 1, "value": "3"}],
            },
        ],
    }
    page = phone.new_page()
    page.route(
        re.compile(rf".*/api/archive/report-cards/{child}$"),
        lambda route: route.fulfill(json=years),
    )
    page.route(
        re.compile(rf".*/api/archive/years/{year_id}/report-cards/{child}$"),
        lambda route: route.fulfill(json=card),
    )
    sign_in(page, "parent")
    page.goto("/report-cards")
    table = page.get_by_role("table", name="Табель за 2019/20 учебный год, 9Ж класс")
    expect(table).to_be_visible()
    expect(page.get_by_role("button", name="2019/20, 9Ж класс")).to_have_attribute(
        "aria-pressed", "true"
    )
    headers = table.get_by_role("columnheader")
    expect(headers).to_have_text(["Предмет", "1 четв.", "2 четв.", "3 четв.", "4 четв.", "Год"])
    algebra = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Алгебра"))
    expect(algebra.get_by_role("cell")).to_have_text(["4", "5", "4", "5", "5"])
    russian = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Русский язык")
    )
    expect(russian.get_by_role("cell")).to_have_text(["3", "", "", "", ""])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "archive-report-card-phone")
