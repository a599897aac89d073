"""The teacher's class journal in a real browser: a lesson filled from the keyboard and
saved at once, the grid on a phone, a save made with no network kept over a reload and
applied exactly once when the network returns, and a cell two teachers changed shown as a
conflict, never overwritten."""

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import DESKTOP, api_token, screenshot, sign_in
from tests.browser.journal import (
    last_open_lesson,
    open_grid,
    server_cell,
    server_page,
    type_russian,
)
from tests.embedded_mode.test_embedded_mode import Embedded


def parent_child(school: Embedded) -> str:
    """The demo parent's first child (in 5А, whose maths the demo teacher teaches)."""
    token = api_token(school, "parent")
    me = httpx.get(
        f"{school.base_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}
    ).json()
    return str(me["children"][0])


# alone: one embedded system for all of them, and no parallel workers taking the CPU
# the browser's timing depends on (`./school test` runs them in its second pass)
pytestmark = [pytest.mark.browser, pytest.mark.alone]


def test_a_teacher_fills_a_lesson_and_sees_it_saved(
    desktop: BrowserContext, school: Embedded, tmp_path: Path
) -> None:
    page = desktop.new_page()
    grid = open_grid(page)
    before = server_page(school, grid)
    column = last_open_lesson(before)
    lesson = before["lessons"][column]
    # the marks go to the demo parent's child, who reads them in the diary below; the
    # absence to a classmate (rows 2 and 4 are the other tests')
    child = parent_child(school)
    rows = [s["student_id"] for s in before["students"]]
    child_row = rows.index(child)
    absent_row = next(i for i in range(len(rows)) if i not in (child_row, 2, 4))
    first, second = before["students"][child_row], before["students"][absent_row]
    marks_before = len(server_cell(before, lesson["lesson_id"], first["student_id"])["marks"])

    grid.cell(child_row, column).click()
    page.keyboard.press("5")
    page.keyboard.press("4")
    type_russian(grid.cell(absent_row, column), "н")
    expect(grid.cell(child_row, column)).to_contain_text("54")
    expect(grid.status()).to_have_text("3 несохранённых изменения")
    screenshot(page, "journal-unsaved-desktop")

    page.keyboard.press("Control+s")
    expect(grid.status()).to_have_text("Все изменения сохранены")

    lesson_button = page.get_by_role("button", name=re.compile(r"^Урок .*: тема и домашнее"))
    lesson_button.nth(column).click()
    panel = page.get_by_role("region", name=re.compile(r"^Урок "))
    if before["plan_items"]:
        panel.get_by_label("Тема из тематического плана").select_option(index=1)
    panel.get_by_label("Тема урока").fill("Сложение дробей с разными знаменателями")
    panel.get_by_label("Домашнее задание").fill("№ 245, 246 (учебник, с. 80)")
    panel.get_by_role("button", name="Записать в журнал").click()
    expect(grid.status()).to_have_text("1 несохранённое изменение")
    page.get_by_role("button", name="Сохранить").click()
    expect(grid.status()).to_have_text("Все изменения сохранены")

    lesson_button.nth(column).click()
    attachment = tmp_path / "задание.txt"
    attachment.write_text("Решить № 245 и 246.", encoding="utf-8")
    panel.get_by_label("Прикрепить файл к заданию").set_input_files(str(attachment))
    expect(page.get_by_role("status").filter(has_text="прикреплён")).to_be_visible()
    screenshot(page, "journal-lesson-desktop")

    after = server_page(school, grid)
    cell = server_cell(after, lesson["lesson_id"], first["student_id"])
    assert len(cell["marks"]) == marks_before + 2
    assert {4, 5} <= {m["value"] for m in cell["marks"]}
    attendance = server_cell(after, lesson["lesson_id"], second["student_id"])["attendance"]
    assert attendance["code"] == "Н"
    saved_lesson = after["lessons"][column]
    assert saved_lesson["topic"] == "Сложение дробей с разными знаменателями"
    assert saved_lesson["homework"]["text"] == "№ 245, 246 (учебник, с. 80)"
    # one more file than it had (the family screens' test may have given it one already:
    # the browser tests share one school)
    files_before = (lesson["homework"] or {}).get("attachments", 0)
    assert saved_lesson["homework"]["attachments"] == files_before + 1

    # A mark corrected in place: Space picks the cell's first mark, a digit replaces it.
    picked = cell["marks"][0]
    grid.cell(child_row, column).click()
    page.keyboard.press("Space")
    expect(grid.cell(child_row, column)).to_have_attribute("aria-label", re.compile("выбрана"))
    replacement = 3 if picked["value"] != 3 else 2
    page.keyboard.press(str(replacement))
    page.keyboard.press("Control+s")
    expect(grid.status()).to_have_text("Все изменения сохранены")
    corrected = server_cell(server_page(school, grid), lesson["lesson_id"], child)["marks"]
    held = next(m for m in corrected if m["mark_id"] == picked["mark_id"])
    assert (held["value"], held["version"]) == (replacement, picked["version"] + 1)
    assert len(corrected) == len(cell["marks"])  # changed, not added

    # The parent sees the lesson in the child's diary: topic, homework, the marks.
    monday = date.fromisoformat(lesson["date"]) - timedelta(
        days=date.fromisoformat(lesson["date"]).weekday()
    )
    family = desktop.new_page()
    sign_in(family, "parent")
    family.goto(f"/diary/{child}?week={monday.isoformat()}")
    shown = family.get_by_test_id("diary-lesson").filter(
        has_text="Сложение дробей с разными знаменателями"
    )
    expect(shown).to_contain_text("№ 245, 246 (учебник, с. 80)")
    for mark in corrected:  # the corrected value among them
        expect(shown.get_by_label(re.compile(rf"^Оценка {mark['value']}\b")).first).to_be_visible()


def test_the_grid_works_on_a_phone(phone: BrowserContext) -> None:
    page = phone.new_page()
    grid = open_grid(page)
    expect(page.get_by_role("grid")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.get_by_label("Вид работы")).to_be_visible()
    expect(grid.status()).to_be_visible()
    screenshot(page, "journal-phone")


def test_marks_entered_offline_survive_a_reload_and_are_saved_exactly_once(
    desktop: BrowserContext, school: Embedded
) -> None:
    page = desktop.new_page()
    grid = open_grid(page)
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    before = server_page(school, grid)
    column = last_open_lesson(before)
    lesson = before["lessons"][column]
    student = before["students"][2]
    marks_before = server_cell(before, lesson["lesson_id"], student["student_id"])["marks"]

    desktop.set_offline(True)
    grid.cell(2, column).click()
    page.keyboard.press("3")
    page.keyboard.press("4")
    expect(grid.status()).to_contain_text("2 несохранённых изменения")
    expect(page.get_by_role("status").filter(has_text="Нет подключения к сети")).to_be_visible()

    page.reload()
    page.get_by_role("grid").wait_for()
    expect(grid.status()).to_contain_text("2 несохранённых изменения")
    expect(grid.cell(2, column)).to_contain_text("34")
    screenshot(page, "journal-offline-desktop")
    assert (
        server_cell(server_page(school, grid), lesson["lesson_id"], student["student_id"])["marks"]
        == marks_before
    )

    desktop.set_offline(False)
    expect(grid.status()).to_have_text("Все изменения сохранены", timeout=20_000)

    after = server_cell(server_page(school, grid), lesson["lesson_id"], student["student_id"])
    added = [m["value"] for m in after["marks"] if m not in marks_before]
    assert sorted(added) == [3, 4]


def test_the_second_teacher_to_change_a_cell_sees_the_conflict(
    browser: Browser, school: Embedded
) -> None:
    contexts = [
        browser.new_context(base_url=school.base_url, viewport=DESKTOP, locale="ru-RU")
        for _ in range(2)
    ]
    try:
        first, second = (open_grid(context.new_page()) for context in contexts)
        before = server_page(school, first)
        column = last_open_lesson(before)
        lesson = before["lessons"][column]
        row = 4
        student = before["students"][row]
        assert server_cell(before, lesson["lesson_id"], student["student_id"])["attendance"] is None

        second.cell(row, column).click()  # the second has the page open, unchanged
        first.cell(row, column).click()
        type_russian(first.cell(row, column), "б")
        first.page.keyboard.press("Control+s")
        expect(first.status()).to_have_text("Все изменения сохранены")

        second.page.keyboard.press("g")  # П typed with the English layout on
        second.page.get_by_role("button", name="Сохранить").click()

        trouble = second.page.get_by_test_id("trouble")
        expect(trouble).to_contain_text("ваше — П")
        expect(trouble).to_contain_text("в журнале уже — Б")
        expect(second.cell(row, column)).to_contain_text("Б")
        screenshot(second.page, "journal-conflict-desktop")
        held = server_cell(server_page(school, first), lesson["lesson_id"], student["student_id"])
        assert held["attendance"]["code"] == "Б"

        second.page.get_by_role("button", name="Оставить как в журнале").click()
        expect(trouble).to_have_count(0)
        expect(second.status()).to_have_text("Все изменения сохранены")
    finally:
        for context in contexts:
            context.close()
