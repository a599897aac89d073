"""The notice texts parents and students read (Russian)."""

from datetime import date

from messaging.notifications.texts import (
    final_mark_text,
    homework_text,
    mark_posted_text,
    period_closed_text,
    period_label,
)


def test_mark_notice_names_value_work_type_weight_subject_and_date() -> None:
    text = mark_posted_text(
        value=5,
        work_type_name="Ответ на уроке",
        weight=1,
        subject_name="Математика",
        lesson_date=date(2026, 11, 28),
    )
    assert text == "Новая отметка 5 (Ответ на уроке, вес 1) по предмету «Математика» за 28.11.2026"


def test_homework_notice_names_subject_lesson_due_date_and_text() -> None:
    text = homework_text(
        subject_name="Физика",
        lesson_date=date(2026, 11, 30),
        text="§ 12, задачи 1–3",
        due_on=date(2026, 12, 2),
        files=0,
    )
    assert text == (
        "Домашнее задание по предмету «Физика» (урок 30.11.2026), сдать к 02.12.2026: "
        "§ 12, задачи 1–3"
    )
    only_files = homework_text(
        subject_name="Физика", lesson_date=date(2026, 11, 30), text=None, due_on=None, files=2
    )
    assert only_files == (
        "Домашнее задание по предмету «Физика» (урок 30.11.2026): см. приложенные файлы"
    )


def test_period_and_final_mark_texts() -> None:
    assert period_label("quarter", 2) == "2-я четверть"
    assert period_label("half", 1) == "1-е полугодие"
    assert period_label("quarter", 2, accusative=True) == "2-ю четверть"
    assert period_label(None, None) == "период"
    assert final_mark_text(subject_name="Химия", label="2-ю четверть", value=5, old=None) == (
        "Итоговая отметка за 2-ю четверть по предмету «Химия»: 5"
    )
    assert final_mark_text(subject_name="Химия", label="год", value=4, old=5) == (
        "Годовая отметка по предмету «Химия»: 4 (была 5)"
    )
    assert period_closed_text(
        kind="quarter", number=2, starts_on=date(2026, 11, 5), ends_on=date(2026, 12, 27)
    ) == (
        "Закрыта 2-я четверть (05.11.2026–27.12.2026): итоговые отметки выставлены, "
        "они видны в дневнике"
    )
    assert period_closed_text(
        kind="half", number=1, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 27)
    ).startswith("Закрыто 1-е полугодие (01.09.2026–27.12.2026)")
