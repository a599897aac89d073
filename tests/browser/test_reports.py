"""The reports' screens in a real Chromium against the embedded demo school: the director's
dashboard with its charts, the deputy's monthly control with a finding followed to the
journal page it is about, the period's check, downloads of every format opened as files,
what a teacher and a parent see; each screen photographed at 1280 and 360 px."""

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE, api_token, screenshot, settled, sign_in
from tests.embedded_mode.school_days import last_school_day
from tests.embedded_mode.test_embedded_mode import Embedded

pytestmark = pytest.mark.browser

FORMATS = (("PDF", ".pdf"), ("Excel", ".xlsx"), ("CSV", ".csv"), ("JSON", ".json"))


class Caller:
    def __init__(self, school: Embedded, login: str) -> None:
        self.http = httpx.Client(
            base_url=school.base_url,
            headers={"Authorization": f"Bearer {api_token(school, login)}"},
            timeout=60,
        )

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Moscow")).date()


def previous_month() -> str:
    return (today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def control_month(school: Embedded) -> str:
    """A month of lessons before this one: the last school day's before this month (the
    previous month, but for the summer's, a holiday month's), else this month (September)."""
    years = Caller(school, "deputy").get("/api/journal/years")["items"]
    before = today().replace(day=1) - dt.timedelta(days=1)
    try:
        return last_school_day(years, before).strftime("%Y-%m")
    except AssertionError:  # no school day before this month: the year began in it
        return today().strftime("%Y-%m")


def current_quarter(caller: Caller) -> dict[str, Any]:
    day = today().isoformat()
    periods = caller.get("/api/reporting/periods")["years"][0]["periods"]
    quarters = [p for p in periods if p["kind"] == "quarter"]
    holding = [p for p in quarters if p["starts_on"] <= day <= p["ends_on"]]
    begun = [p for p in quarters if p["starts_on"] <= day]
    return dict((holding or begun[-1:] or quarters)[0])


def last_ended_quarter(caller: Caller) -> dict[str, Any]:
    """The period the check at a period's end opens on: the last quarter ended."""
    day = today().isoformat()
    periods = caller.get("/api/reporting/periods")["years"][0]["periods"]
    ended = [p for p in periods if p["kind"] == "quarter" and p["ends_on"] < day]
    return dict(ended[-1]) if ended else current_quarter(caller)


def percent(value: float | None) -> str:
    """As the screen says it: "71,5 %" (Intl ru-RU, at most two decimals)."""
    assert value is not None
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


@pytest.fixture
def page_of(desktop: BrowserContext) -> Iterator[Page]:
    yield desktop.new_page()


def phone_shot(browser: Browser, school: Embedded, login: str, path: str, name: str) -> None:
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
        expect(page.get_by_role("heading", name="Отчёты", level=1)).to_be_visible()
        settled(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, f"{name}-phone")
    finally:
        context.close()


def downloaded(page: Page, group: str, label: str) -> tuple[str, bytes]:
    """Click a format's button in a report's download group; the file's name and bytes."""
    buttons = page.get_by_role("group", name=re.compile(f"^Скачать: {group}"))
    with page.expect_download() as started:
        buttons.get_by_role("button", name=re.compile(f"^{label}:")).click()
    download = started.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def assert_opens(name: str, body: bytes, suffix: str, header: str) -> None:
    """A real file of its type: a PDF, a workbook openpyxl reads, a CSV with the report's
    column header, JSON."""
    assert name.endswith(suffix), name
    if suffix == ".pdf":
        assert body.startswith(b"%PDF"), body[:20]
    elif suffix == ".xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        assert workbook.sheetnames
        first = workbook[workbook.sheetnames[0]]
        cells = [str(c) for row in first.iter_rows(max_row=6, values_only=True) for c in row if c]
        assert any(header in c for c in cells), cells
    elif suffix == ".csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        assert any(row and row[0] == header for row in rows), rows[:6]
    else:
        assert isinstance(json.loads(body), dict)


def test_the_director_sees_the_schools_figures_and_charts(
    page_of: Page, browser: Browser, school: Embedded
) -> None:
    director = Caller(school, "director")
    quarter = current_quarter(director)
    progress = director.get("/api/reporting/progress", period_id=quarter["period_id"])
    page = page_of
    sign_in(page, "director")
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Отчёты").click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    figures = page.get_by_role("list", name="Показатели")
    school_figures = progress["school"]
    expect(figures.locator("[data-figure='Успеваемость']")).to_contain_text(
        percent(school_figures["progress_rate"])
    )
    expect(figures.locator("[data-figure='Качество']")).to_contain_text(
        percent(school_figures["quality_rate"])
    )
    expect(figures.locator("[data-figure='СОУ']")).to_contain_text(
        percent(school_figures["learning_degree"])
    )
    mean = f"{school_figures['mean_mark']:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    expect(figures.locator("[data-figure='Средний балл']")).to_contain_text(mean)
    # the charts: a picture with its words, and the same figures in a table beside it
    rate = percent(school_figures["progress_rate"])
    trend = page.get_by_role("img", name=re.compile("По периодам года: вся школа"))
    expect(trend).to_be_visible()
    assert trend.locator("rect.bar").count() >= 3  # three rates of at least one quarter
    expect(trend).to_have_accessible_name(
        re.compile(f"{quarter['number']} четверть: успеваемость {rate}")
    )
    by_class = page.get_by_role("table", name=re.compile("По классам: вся школа"))
    five = next(c for c in progress["classes"] if c["class_name"] == "5А")
    expect(by_class.get_by_role("row", name=re.compile("^5А"))).to_contain_text(
        percent(five["progress_rate"])
    )
    expect(page.get_by_role("heading", name=re.compile("^Посещаемость"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Доля пропущенных уроков"))).to_be_visible()
    expect(page.get_by_role("heading", name="Активность за неделю")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("^Действия"))).to_contain_text(
        "Выставлено отметок"
    )
    settled(page)
    screenshot(page, "reports-dashboard-desktop")

    # a class as the scope: its figures, its subjects
    page.get_by_role("combobox", name="Охват").select_option(label="Класс 5А")
    expect(
        page.get_by_role("heading", name=re.compile("Успеваемость и качество: 5А класс"))
    ).to_be_visible()
    expect(figures.locator("[data-figure='Успеваемость']")).to_contain_text(
        percent(five["progress_rate"])
    )
    expect(page.get_by_role("img", name=re.compile("По предметам: 5А класс"))).to_be_visible()

    # every format of the progress report, as real files
    for label, suffix in FORMATS:
        name, body = downloaded(page, "Успеваемость", label)
        assert name.startswith("Успеваемость, 5А класс"), name
        assert_opens(name, body, suffix, "Класс")
    phone_shot(browser, school, "director", "/reports", "reports-dashboard")


def a_finding(deputy: Caller, month: str) -> dict[str, Any]:
    """A row of the month's control with a lesson without homework, on a known page."""
    rows = deputy.get("/api/reporting/journal-control", month=month)["assignments"]
    return next(
        r for r in rows if r["lessons_without_homework"] > 0 and r["journal_period_id"] is not None
    )


def test_the_deputy_follows_a_finding_to_its_journal_page(
    page_of: Page, browser: Browser, school: Embedded
) -> None:
    deputy = Caller(school, "deputy")
    month = control_month(school)
    row = a_finding(deputy, month)
    page = page_of
    sign_in(page, "deputy")
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Отчёты").click()
    page.get_by_role("navigation", name="Отчёты").get_by_role(
        "link", name="Контроль журналов"
    ).click()
    if month == previous_month():
        page.get_by_role("button", name="Предыдущий месяц").click()
    else:  # the summer's months, or this month in September: no lessons the month before
        page.goto(f"/reports/control?month={month}")
    expect(page).to_have_url(re.compile(rf"/reports/control\?month={month}$"))
    title = f"{row['class_name']}, {row['subject_name']}"
    missing = row["lessons_without_homework"]
    findings = page.get_by_test_id("control-table").get_by_role("list", name=f"Замечания: {title}")
    link = findings.get_by_role(
        "link",
        name=f"Уроков без домашнего задания: {missing} — {title}, открыть журнал",
    )
    expect(link).to_be_visible()
    # one class, only the journals with findings: shorter, the same links
    page.get_by_role("combobox", name="Класс").select_option(label=row["class_name"])
    page.get_by_role("checkbox", name="Только журналы с замечаниями").check()
    expect(page).to_have_url(re.compile(rf"class={row['class_id']}"))
    for cell in page.get_by_test_id("control-table").locator("tbody th").all():
        expect(cell).to_contain_text(f"{row['class_name']}, ")
    expect(link).to_be_visible()
    settled(page)
    screenshot(page, "reports-control-desktop")

    # every format of the control, as real files
    for label, suffix in FORMATS:
        name, body = downloaded(page, "Контроль журналов", label)
        assert_opens(name, body, suffix, "Класс")

    link.click()
    expect(page).to_have_url(
        re.compile(rf"/journal/{row['assignment_id']}/{row['journal_period_id']}$")
    )
    expect(page.get_by_role("grid")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(row["subject_name"])
    phone_shot(browser, school, "deputy", f"/reports/control?month={month}", "reports-control")


def test_the_quarter_end_check_links_each_finding_to_the_journal(
    page_of: Page, browser: Browser, school: Embedded
) -> None:
    deputy = Caller(school, "deputy")
    quarter = last_ended_quarter(deputy)
    check = deputy.get("/api/reporting/quarter-check", period_id=quarter["period_id"])
    row = next(r for r in check["assignments"] if r["findings"] and r["journal_period_id"])
    page = page_of
    sign_in(page, "deputy")
    page.goto("/reports/quarter-check")
    title = f"{row['class_name']}, {row['subject_name']}"
    card = page.locator(f"[data-assignment='{row['assignment_id']}']")
    expect(card.get_by_role("link", name=f"Журнал: {title}")).to_have_attribute(
        "href", f"/journal/{row['assignment_id']}/{row['journal_period_id']}"
    )
    first = row["findings"][0]
    expect(
        card.get_by_role("link", name=f"{first['detail']} — {title}, открыть журнал")
    ).to_be_visible()
    settled(page)
    screenshot(page, "reports-quarter-check-desktop")
    for label, suffix in FORMATS:
        name, body = downloaded(page, "Проверка итогов", label)
        assert_opens(name, body, suffix, "Класс")
    card.get_by_role("link", name=f"{first['detail']} — {title}, открыть журнал").click()
    expect(page).to_have_url(
        re.compile(rf"/journal/{row['assignment_id']}/{row['journal_period_id']}$")
    )
    expect(page.get_by_role("grid")).to_be_visible()
    phone_shot(browser, school, "deputy", "/reports/quarter-check", "reports-quarter-check")


def test_a_teacher_sees_only_their_own_findings(page_of: Page, school: Embedded) -> None:
    teacher = Caller(school, "teacher")
    me = teacher.get("/api/auth/me")
    own = {a["assignment_id"] for a in teacher.get("/api/journal/assignments")["items"]}
    month = control_month(school)
    rows = teacher.get("/api/reporting/journal-control", month=month)["assignments"]
    school_rows = Caller(school, "deputy").get("/api/reporting/journal-control", month=month)
    assert {r["assignment_id"] for r in rows} == own
    assert len(rows) < len(school_rows["assignments"])
    name = f"{me['last_name']} {me['first_name']} {me['middle_name']}"

    page = page_of
    sign_in(page, "teacher")
    nav = page.get_by_role("navigation", name="Разделы")
    expect(nav.get_by_role("link", name="Проверка журналов")).to_be_visible()
    expect(nav.get_by_role("link", name="Отчёты", exact=True)).to_have_count(0)
    # the dashboard is the administration's: the teacher is sent on to the checks
    page.goto("/reports")
    expect(page).to_have_url(re.compile(r"/reports/control$"))
    tabs = page.get_by_role("navigation", name="Отчёты")
    expect(tabs.get_by_role("link")).to_have_text(["Контроль журналов", "Итоги периода"])
    page.goto(f"/reports/control?month={month}")
    table = page.get_by_test_id("control-table")
    expect(table.locator("tbody tr")).to_have_count(len(rows))
    for cell in table.locator("tbody tr td:nth-child(2)").all():
        expect(cell).to_have_text(name)
    settled(page)
    screenshot(page, "reports-teacher-desktop")
    page.goto("/reports/snapshots")
    expect(page.get_by_role("heading", name="Нет доступа")).to_be_visible()


def test_a_parent_has_no_reports(page_of: Page, school: Embedded) -> None:
    parent = Caller(school, "parent")
    assert (
        parent.http.get(
            "/api/reporting/journal-control", params={"month": previous_month()}
        ).status_code
        == 403
    )
    assert parent.http.get("/api/reporting/periods").status_code == 403
    page = page_of
    sign_in(page, "parent")
    nav = page.get_by_role("navigation", name="Разделы")
    expect(nav.get_by_role("link", name="Дневник")).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("Отчёты|Проверка журналов"))).to_have_count(0)
    for path in ("/reports", "/reports/control", "/reports/quarter-check", "/reports/snapshots"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Нет доступа")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("недоступен")
    screenshot(page, "reports-parent-desktop")


def test_the_reports_produced_on_schedule_are_listed(page_of: Page, school: Embedded) -> None:
    """The demo runs no schedule, so the list is the server's answer as the screen would
    have it (a route of the browser); the file itself is asked of the real server."""
    deputy = Caller(school, "deputy")
    real = deputy.get("/api/reporting/snapshots")["items"]
    page = page_of
    listed = {
        "items": [
            *real,
            {
                "report_id": "00000000-0000-4000-8000-000000000001",
                "kind": "journal-control",
                "title": "Контроль ведения журналов, ноябрь 2026",
                "params": {"month": "2026-11"},
                "period_id": None,
                "created_at": "2026-12-01T03:00:00Z",
            },
        ]
    }
    page.route(
        re.compile(r".*/api/reporting/snapshots(\?.*)?$"),
        lambda route: route.fulfill(json=listed),
    )
    sign_in(page, "deputy")
    page.goto("/reports/snapshots")
    item = page.get_by_role("list", name="Готовые отчёты").get_by_role("listitem").last
    expect(item).to_contain_text("Контроль ведения журналов, ноябрь 2026")
    expect(item).to_contain_text("Составлен 01.12.2026")
    expect(item.get_by_role("button")).to_have_count(4)
    # the made-up report is not on the server: the screen says so in Russian
    item.get_by_role("button", name=re.compile("^PDF:")).click()
    expect(item.get_by_role("alert")).to_contain_text("Файл не скачан")
    screenshot(page, "reports-snapshots-desktop")
