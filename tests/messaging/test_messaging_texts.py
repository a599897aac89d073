"""The notice texts parents and students read (Russian)."""

from datetime import date

import pytest

from messaging.service import mark_posted_text, work_type_name


def test_mark_notice_names_value_work_type_weight_subject_and_date() -> None:
    text = mark_posted_text(
        value=5,
        work_type="answer",
        weight=1,
        subject_name="Математика",
        lesson_date=date(2026, 11, 28),
    )
    assert text == "Новая отметка 5 (Ответ на уроке, вес 1) по предмету «Математика» за 28.11.2026"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("answer", "Ответ на уроке"),
        ("homework", "Домашняя работа"),
        ("independent", "Самостоятельная работа"),
        ("test", "Проверочная работа"),
        ("control", "Контрольная работа"),
    ],
)
def test_known_work_types_have_russian_names(code: str, name: str) -> None:
    assert work_type_name(code) == name


def test_unknown_work_type_is_shown_by_its_code() -> None:
    assert work_type_name("project") == "project"
    text = mark_posted_text(
        value=4,
        work_type="project",
        weight=2,
        subject_name="Физика",
        lesson_date=date(2026, 9, 1),
    )
    assert text == "Новая отметка 4 (project, вес 2) по предмету «Физика» за 01.09.2026"
