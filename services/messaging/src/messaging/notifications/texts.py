"""What people read: the Russian texts of notifications, digests and their emails."""

from datetime import date

# What parents read for each attendance code (DESIGN §7).
ATTENDANCE_TEXTS: dict[str, str] = {
    "Н": "отсутствие без уважительной причины",
    "Б": "отсутствие по болезни",
    "П": "отсутствие по уважительной причине",
    "ОП": "опоздание",
}

PERIOD_NAMES = {"quarter": "четверть", "half": "полугодие"}

# The subject line of a notification's email, by kind.
EMAIL_SUBJECTS: dict[str, str] = {
    "mark_posted": "Новая отметка",
    "mark_changed": "Отметка исправлена",
    "mark_removed": "Отметка удалена",
    "attendance_marked": "Посещаемость",
    "attendance_cleared": "Посещаемость",
    "homework_set": "Домашнее задание",
    "homework_cleared": "Домашнее задание отменено",
    "final_mark_set": "Итоговая отметка",
    "final_mark_removed": "Итоговая отметка удалена",
    "period_closed": "Период закрыт",
    "report_ready": "Отчёт готов",
    "check_completed": "Результаты проверки",
    "year_sealed": "Учебный год в архиве",
    "progress_letter": "Письмо классного руководителя",
}


def _day(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def mark_posted_text(
    *, value: int, work_type_name: str, weight: int, subject_name: str, lesson_date: date
) -> str:
    """The notice a student and their parents read about a new mark."""
    return (
        f"Новая отметка {value} ({work_type_name}, вес {weight}) "
        f"по предмету «{subject_name}» за {_day(lesson_date)}"
    )


def mark_changed_text(
    *,
    old_value: int,
    value: int,
    work_type_name: str,
    weight: int,
    subject_name: str,
    lesson_date: date,
) -> str:
    """The notice a student and their parents read about a corrected mark."""
    return (
        f"Отметка по предмету «{subject_name}» за {_day(lesson_date)} исправлена: "
        f"{old_value} → {value} ({work_type_name}, вес {weight})"
    )


def mark_removed_text(
    *, value: int, work_type_name: str, subject_name: str, lesson_date: date
) -> str:
    """The notice a student and their parents read about a removed mark."""
    return (
        f"Отметка {value} ({work_type_name}) по предмету «{subject_name}» "
        f"за {_day(lesson_date)} удалена"
    )


def attendance_text(*, code: str, subject_name: str, lesson_date: date) -> str:
    """The notice parents read about an absence or a lateness."""
    return (
        f"{code}: {ATTENDANCE_TEXTS.get(code, code)} на уроке по предмету «{subject_name}» "
        f"за {_day(lesson_date)}"
    )


def attendance_cleared_text(*, old_code: str, subject_name: str, lesson_date: date) -> str:
    """The notice parents read when an absence turns out a mistake."""
    return (
        f"Отметка «{old_code}» на уроке по предмету «{subject_name}» за {_day(lesson_date)} "
        "снята: ученик присутствовал"
    )


def homework_text(
    *, subject_name: str, lesson_date: date, text: str | None, due_on: date | None, files: int
) -> str:
    """The notice of a homework set or changed."""
    parts = [f"Домашнее задание по предмету «{subject_name}» (урок {_day(lesson_date)})"]
    if due_on is not None:
        parts.append(f", сдать к {_day(due_on)}")
    parts.append(": ")
    parts.append(text.strip() if text and text.strip() else "см. приложенные файлы")
    if files and text:
        parts.append(f" (файлов: {files})")
    return "".join(parts)


def homework_cleared_text(*, lesson_date: date) -> str:
    """The tombstone names no subject; the notice it withdraws did."""
    return f"Домашнее задание к уроку {_day(lesson_date)} отменено"


def period_label(kind: str | None, number: int | None, *, accusative: bool = False) -> str:
    """«2-я четверть» (after «за»: «2-ю четверть»), «1-е полугодие», else «период»."""
    if kind is None or number is None:
        return "период"
    if kind == "quarter":
        return f"{number}-{'ю' if accusative else 'я'} четверть"
    return f"{number}-е {PERIOD_NAMES.get(kind, kind)}"


def final_mark_text(
    *, subject_name: str, label: str, value: int | str, old: int | str | None
) -> str:
    """The notice of a final mark set (or changed) for a period or the year."""
    what = "Годовая отметка" if label == "год" else f"Итоговая отметка за {label}"
    change = f" (была {old})" if old is not None and old != value else ""
    return f"{what} по предмету «{subject_name}»: {value}{change}"


def final_mark_removed_text(*, subject_name: str, label: str, old: int | str) -> str:
    what = "Годовая отметка" if label == "год" else f"Итоговая отметка за {label}"
    return f"{what} {old} по предмету «{subject_name}» удалена"


def period_closed_text(*, kind: str, number: int, starts_on: date, ends_on: date) -> str:
    """The notice to the families of a class whose period the deputy closed."""
    verb = "Закрыта" if kind == "quarter" else "Закрыто"
    return (
        f"{verb} {period_label(kind, number)} ({_day(starts_on)}–{_day(ends_on)}): "
        "итоговые отметки выставлены, они видны в дневнике"
    )


def report_ready_text(*, title: str) -> str:
    return f"Отчёт готов: {title}"


def check_completed_text(*, title: str) -> str:
    return f"Результаты проверки: {title}"


def year_sealed_text(*, name: str, class_journals: int) -> str:
    return (
        f"Журналы {name} учебного года запечатаны в архиве и подписаны "
        f"(классных журналов: {class_journals})."
    )


def progress_letter_notice(*, period_from: date, period_to: date) -> str:
    return f"Письмо классного руководителя об успеваемости за {_day(period_from)}–{_day(period_to)}"


def digest_subject(day: date) -> str:
    return f"Электронный дневник: сводка за {_day(day)}"


def digest_body(texts: list[str]) -> str:
    """One email for a day's notifications, oldest first."""
    lines = ["Здравствуйте!", "", "Новое в электронном дневнике:", ""]
    lines.extend(f"• {text}" for text in texts)
    lines.extend(["", "Настроить уведомления можно в разделе «Уведомления» дневника."])
    return "\n".join(lines)


def email_body(text: str) -> str:
    """The body of a notification's own email."""
    return "\n".join(
        [
            "Здравствуйте!",
            "",
            text,
            "",
            "Настроить уведомления можно в разделе «Уведомления» дневника.",
        ]
    )
