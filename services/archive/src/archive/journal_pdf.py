"""The printable class journal, in Russian, laid out like the paper one: a title page;
per subject its marks page (the class list against the lesson dates, marks and absences
in the cells, as many pages as the lessons need) and its topics page (date, lesson
number, topic, homework); the attendance summary; the final marks per subject. DejaVu
Sans (fonts/, its licence beside it) is embedded, so Cyrillic prints the same anywhere.

Built from the class journal's export records (archive.journal_export); removed marks
and cleared attendance are left out of the pages (the JSON package keeps them with their
history).
"""

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

# fpdf2's font subsetting logs every glyph at INFO: nothing an operator needs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).with_name("fonts")
FONT = "DejaVuSans"
DATES_PER_PAGE = 24
PERIOD_NAMES = {"quarter": "четверть", "half": "полугодие"}
ATTENDANCE_CODES = ("Н", "Б", "П", "ОП")
HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


@dataclass
class Subject:
    subject_id: str
    name: str
    lessons: list[dict[str, Any]] = field(default_factory=list)
    planned_hours: float | None = None


@dataclass
class ClassJournalRecords:
    """A class journal's records, sorted out for printing."""

    class_name: str = ""
    grade: int = 0
    students: list[dict[str, Any]] = field(default_factory=list)
    subjects: dict[str, Subject] = field(default_factory=dict)
    marks: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    absences: dict[tuple[str, str], str] = field(default_factory=dict)
    attachments: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    finals: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        kind = record["record"]
        if kind == "class":
            self.class_name, self.grade = record["name"], record["grade"]
        elif kind == "student":
            self.students.append(record)
        elif kind == "curriculum_hours":
            self._subject(record["subject_id"], record["subject_name"]).planned_hours = record[
                "yearly_hours"
            ]
        elif kind == "lesson":
            self._subject(record["subject_id"], record["subject_name"]).lessons.append(record)
        elif kind == "mark" and record["removed_at"] is None:
            self.marks[(record["lesson_id"], record["student_id"])].append(str(record["value"]))
        elif kind == "attendance" and record["code"]:
            self.absences[(record["lesson_id"], record["student_id"])] = record["code"]
        elif kind == "homework_attachment":
            self.attachments[record["lesson_id"]].append(record["file_name"])
        elif kind == "final_mark" and record["removed_at"] is None:
            self._subject(record["subject_id"], record["subject_name"])
            self.finals.append(record)

    def _subject(self, subject_id: str, name: str) -> Subject:
        return self.subjects.setdefault(subject_id, Subject(subject_id, name))

    def class_list(self) -> list[dict[str, Any]]:
        return sorted(
            self.students,
            key=lambda s: (
                s["last_name"],
                s["first_name"],
                s["middle_name"] or "",
                s["student_id"],
            ),
        )

    def subjects_by_name(self) -> list[Subject]:
        return sorted(self.subjects.values(), key=lambda s: (s.name, s.subject_id))


def read_records(lines: list[bytes]) -> ClassJournalRecords:
    records = ClassJournalRecords()
    for line in lines:
        record = json.loads(line)
        record.pop("content_base64", None)  # homework files: their names are enough here
        records.add(record)
    return records


def short_name(student: dict[str, Any]) -> str:
    initials = "".join(f" {n[0]}." for n in (student["first_name"], student["middle_name"]) if n)
    return f"{student['last_name']}{initials}"


def full_name(student: dict[str, Any]) -> str:
    return " ".join(
        p for p in (student["last_name"], student["first_name"], student["middle_name"]) if p
    )


def _date(value: str) -> str:
    return dt.date.fromisoformat(value).strftime("%d.%m")


class JournalPdf(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.journal_title = title
        self.set_auto_page_break(True, margin=12)
        self.set_margins(10, 10, 10)

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font(FONT, "", 7)
        self.cell(0, 4, f"{self.journal_title} · страница {self.page_no()}", align="C")

    def heading(self, text: str, size: float = 12) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def note(self, text: str) -> None:
        self.set_font(FONT, "", 8)
        self.multi_cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")


def _title_page(pdf: JournalPdf, records: ClassJournalRecords, year: dict[str, Any]) -> None:
    pdf.add_page()
    pdf.ln(40)
    pdf.set_font(FONT, "B", 26)
    pdf.cell(0, 14, "КЛАССНЫЙ ЖУРНАЛ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 16)
    pdf.cell(0, 10, f"{records.class_name} класс", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 10, f"{year['name']} учебный год", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, "", 10)
    closed = year.get("closed_at") or ""
    pdf.cell(
        0,
        6,
        f"С {dt.date.fromisoformat(year['starts_on']):%d.%m.%Y} по "
        f"{dt.date.fromisoformat(year['ends_on']):%d.%m.%Y}; год закрыт {closed[:10]}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(
        0,
        6,
        f"Учащихся: {len(records.students)}; предметов: {len(records.subjects)}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(20)
    pdf.note(
        "Архивная копия электронного классного журнала. Документ подписан электронной "
        "подписью школы (PAdES); машиночитаемая копия того же журнала (JSON Lines) и "
        "подписанный перечень файлов с их контрольными суммами SHA-256 хранятся рядом."
    )


def _marks_pages(pdf: JournalPdf, records: ClassJournalRecords, subject: Subject) -> None:
    students = records.class_list()
    lessons = subject.lessons
    chunks = [lessons[i : i + DATES_PER_PAGE] for i in range(0, len(lessons), DATES_PER_PAGE)]
    for number, chunk in enumerate(chunks or [[]], start=1):
        pdf.add_page()
        suffix = f" (лист {number} из {len(chunks)})" if len(chunks) > 1 else ""
        pdf.heading(f"{subject.name}: отметки и посещаемость{suffix}")
        held = chunk
        date_width = (pdf.epw - 8 - 52) / DATES_PER_PAGE
        widths = (8, 52, *([date_width] * len(held))) if held else (8, 52)
        pdf.set_font(FONT, "", 6.5)
        with pdf.table(
            col_widths=widths,
            width=8 + 52 + date_width * len(held),
            align="LEFT",
            text_align="CENTER",
            line_height=4.2,
            padding=0.6,
            headings_style=HEADINGS,
        ) as table:
            row = table.row()
            row.cell("№")
            row.cell("Фамилия, имя")
            for lesson in held:
                row.cell(_date(lesson["date"]))
            for index, student in enumerate(students, start=1):
                row = table.row()
                row.cell(str(index))
                row.cell(short_name(student), align="LEFT")
                for lesson in held:
                    key = (lesson["lesson_id"], student["student_id"])
                    # Upper case, as the legend: a lower-case «б» reads like a 6.
                    code = records.absences.get(key, "")
                    marks = "/".join(records.marks.get(key, []))
                    row.cell(" ".join(p for p in (code, marks) if p))
        if not held:
            pdf.note("Уроков по предмету в этом году не записано.")
    pdf.note(
        "Н — отсутствовал без уважительной причины, Б — болел, П — по уважительной причине, "
        "ОП — опоздал."
    )


def _topics_page(pdf: JournalPdf, records: ClassJournalRecords, subject: Subject) -> None:
    pdf.add_page()
    pdf.heading(f"{subject.name}: темы уроков и домашние задания")
    planned = f"; по учебному плану {subject.planned_hours:g} ч." if subject.planned_hours else ""
    pdf.note(f"Проведено уроков: {len(subject.lessons)}{planned}")
    pdf.ln(1)
    pdf.set_font(FONT, "", 7.5)
    with pdf.table(
        col_widths=(18, 10, 120, 129),
        text_align=("CENTER", "CENTER", "LEFT", "LEFT"),
        line_height=4,
        headings_style=HEADINGS,
    ) as table:
        row = table.row()
        for title in ("Дата", "Урок", "Тема урока", "Домашнее задание"):
            row.cell(title)
        for lesson in subject.lessons:
            homework = lesson["homework"] or ""
            if lesson["homework_due_on"]:
                homework += f" (к {_date(lesson['homework_due_on'])})"
            files = records.attachments.get(lesson["lesson_id"], [])
            if files:
                homework += ("; файлы: " if homework else "Файлы: ") + ", ".join(files)
            row = table.row()
            row.cell(_date(lesson["date"]))
            row.cell(str(lesson["lesson_number"] or ""))
            row.cell(lesson["topic"] or "—")
            row.cell(homework.strip() or "—")


def _attendance_page(pdf: JournalPdf, records: ClassJournalRecords) -> None:
    pdf.add_page()
    pdf.heading("Учёт посещаемости за год (пропущено уроков)")
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ATTENDANCE_CODES, 0))
    for (_, student_id), code in records.absences.items():
        if code in ATTENDANCE_CODES:
            totals[student_id][code] += 1
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        col_widths=(8, 80, 22, 22, 22, 22, 22),
        width=198,
        align="LEFT",
        text_align="CENTER",
        line_height=5,
        headings_style=HEADINGS,
    ) as table:
        row = table.row()
        for title in ("№", "Фамилия, имя, отчество", "Н", "Б", "П", "ОП", "Всего"):
            row.cell(title)
        for index, student in enumerate(records.class_list(), start=1):
            counts = totals[student["student_id"]]
            row = table.row()
            row.cell(str(index))
            row.cell(full_name(student), align="LEFT")
            for code in ATTENDANCE_CODES:
                row.cell(str(counts[code] or ""))
            row.cell(str(sum(counts.values()) or ""))


def _terms(finals: list[dict[str, Any]]) -> list[tuple[str | None, int | None]]:
    terms = {(f["period_kind"], f["period_number"]) for f in finals}
    ordered = sorted(
        (t for t in terms if t[0] is not None),
        key=lambda t: (0 if t[0] == "quarter" else 1, t[1] or 0),
    )
    return [*ordered, (None, None)]


def _term_title(kind: str | None, number: int | None) -> str:
    return "Год" if kind is None else f"{number} {PERIOD_NAMES.get(kind, kind)}"


def _finals_pages(pdf: JournalPdf, records: ClassJournalRecords) -> None:
    pdf.add_page()
    pdf.heading("Итоговые отметки")
    by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for final in records.finals:
        by_subject[final["subject_id"]].append(final)
    if not by_subject:
        pdf.note("Итоговых отметок не выставлено.")
        return
    students = records.class_list()
    for subject in records.subjects_by_name():
        finals = by_subject.get(subject.subject_id)
        if not finals:
            continue
        terms = _terms(finals)
        value = {
            (f["student_id"], f["period_kind"], f["period_number"]): str(f["value"]) for f in finals
        }
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 6, subject.name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 7.5)
        with pdf.table(
            col_widths=(8, 70, *([22] * len(terms))),
            width=78 + 22 * len(terms),
            align="LEFT",
            text_align="CENTER",
            line_height=4.2,
            headings_style=HEADINGS,
        ) as table:
            row = table.row()
            for title in ("№", "Фамилия, имя", *(_term_title(*t) for t in terms)):
                row.cell(title)
            for index, student in enumerate(students, start=1):
                row = table.row()
                row.cell(str(index))
                row.cell(short_name(student), align="LEFT")
                for kind, number in terms:
                    row.cell(value.get((student["student_id"], kind, number), ""))
        pdf.ln(3)


def class_journal_pdf(lines: list[bytes], year: dict[str, Any]) -> bytes:
    """The printable journal of a class journal's export lines (`year`: the header's)."""
    records = read_records(lines)
    title = f"Классный журнал {records.class_name}, {year['name']} учебный год"
    pdf = JournalPdf(title)
    pdf.set_title(title)
    pdf.set_lang("ru")
    pdf.set_creator("Электронный журнал: архив")
    pdf.set_creation_date(dt.datetime.fromisoformat(year["closed_at"].replace("Z", "+00:00")))
    _title_page(pdf, records, year)
    for subject in records.subjects_by_name():
        _marks_pages(pdf, records, subject)
        _topics_page(pdf, records, subject)
    _attendance_page(pdf, records)
    _finals_pages(pdf, records)
    return bytes(pdf.output())
