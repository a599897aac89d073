"""Reading a thematic plan from a CSV or XLSX file.

The first row names the columns (Russian or English, any case): `Тема` (topic) and
`Часы` (hours) are required; `Контроль` (a planned control work: a work type's code or
name), `Неделя` (planned week of the year, 1-53) and `Дата` (planned date, ДД.ММ.ГГГГ or
ISO) are optional, and a `№` column is allowed and ignored: items take the file's order.
Empty rows are skipped. CSV is `;` or `,` separated (whichever the header uses), in UTF-8
with or without a BOM or in cp1251 (what Excel saves on a Russian Windows); XLSX is read
from its first sheet. Every bad row is reported with its line, none is taken alone.
"""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from journal.curriculum.rules import MAX_HOURS, MAX_TOPIC, MAX_WEEK, ItemValues, RawItem

MAX_FILE_BYTES: Final = 1024 * 1024
MAX_ROWS: Final = 1000
XLSX_MAGIC: Final = b"PK\x03\x04"

COLUMNS: Final[dict[str, str]] = {
    "№": "number",
    "n": "number",
    "номер": "number",
    "number": "number",
    "тема": "topic",
    "тема урока": "topic",
    "topic": "topic",
    "часы": "hours",
    "часов": "hours",
    "кол-во часов": "hours",
    "количество часов": "hours",
    "hours": "hours",
    "контроль": "work_type",
    "контрольная работа": "work_type",
    "вид работы": "work_type",
    "work type": "work_type",
    "work_type": "work_type",
    "неделя": "planned_week",
    "week": "planned_week",
    "planned_week": "planned_week",
    "дата": "planned_on",
    "date": "planned_on",
    "planned_on": "planned_on",
}
REQUIRED: Final = ("topic", "hours")

Cell = str | int | float | dt.date | dt.datetime | None


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


class PlanFileError(Exception):
    """The file cannot be taken; `errors` names every bad line."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"{len(errors)} bad lines")
        self.errors = errors


def read_plan_file(content: bytes) -> list[RawItem]:
    """The file's items in order, each with its line, or PlanFileError naming every bad
    line (a file that is not CSV or XLSX at all is one error at line 1)."""
    if len(content) > MAX_FILE_BYTES:
        raise PlanFileError([LineError(1, f"The file is larger than {MAX_FILE_BYTES} bytes.")])
    rows = _xlsx_rows(content) if content.startswith(XLSX_MAGIC) else _csv_rows(content)
    return _items(rows)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1251 decodes almost any bytes, so it is the fallback and never the guess.
        return content.decode("cp1251")


def _csv_rows(content: bytes) -> Iterator[tuple[int, Sequence[Cell]]]:
    text = _decode(content)
    if "\x00" in text:
        raise PlanFileError([LineError(1, "The file is neither UTF-8/cp1251 text nor XLSX.")])
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise PlanFileError([LineError(line, f"Unreadable CSV: {exc}.")]) from None


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, Sequence[Cell]]]:
    from openpyxl import load_workbook  # imported here: only imports need it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise PlanFileError([LineError(1, "The file is not a readable XLSX workbook.")]) from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _header(line: int, row: Sequence[Cell]) -> dict[str, int]:
    columns: dict[str, int] = {}
    errors: list[LineError] = []
    for index, cell in enumerate(row):
        name = _text(cell).lower()
        if not name:
            continue
        field = COLUMNS.get(name)
        if field is None:
            errors.append(LineError(line, f"Unknown column {name!r}."))
        elif field in columns:
            errors.append(LineError(line, f"The column {name!r} appears twice."))
        else:
            columns[field] = index
    for field in REQUIRED:
        if field not in columns:
            wanted = "Тема" if field == "topic" else "Часы"
            errors.append(LineError(line, f"The required column {wanted!r} is missing."))
    if errors:
        raise PlanFileError(errors)
    return columns


def _items(rows: Iterator[tuple[int, Sequence[Cell]]]) -> list[RawItem]:
    header: dict[str, int] | None = None
    items: list[RawItem] = []
    errors: list[LineError] = []
    for line, row in rows:
        if not any(_text(cell) for cell in row):
            continue
        if header is None:
            header = _header(line, row)
            continue
        if len(items) + len(errors) >= MAX_ROWS:
            raise PlanFileError([LineError(line, f"The file has more than {MAX_ROWS} rows.")])
        cells = {f: (row[i] if i < len(row) else None) for f, i in header.items()}
        reasons: list[str] = []
        values = _values(cells, reasons)
        if reasons or values is None:
            errors.extend(LineError(line, reason) for reason in reasons)
        else:
            items.append(RawItem({"line": line}, values))
    if header is None:
        raise PlanFileError([LineError(1, "The file is empty: no header row.")])
    if errors:
        raise PlanFileError(errors)
    return items


def _values(cells: dict[str, Cell], reasons: list[str]) -> ItemValues | None:
    topic = _text(cells["topic"])
    if not topic:
        reasons.append("The topic is empty.")
    elif len(topic) > MAX_TOPIC:
        reasons.append(f"The topic is longer than {MAX_TOPIC} characters.")
    elif "\x00" in topic:
        reasons.append("The topic holds a NUL character.")
    hours = _whole(cells["hours"], "hours", 1, MAX_HOURS, reasons, required=True)
    week = _whole(cells.get("planned_week"), "week", 1, MAX_WEEK, reasons, required=False)
    planned_on = _date(cells.get("planned_on"), reasons)
    work_type = _text(cells.get("work_type")) or None
    if reasons or hours is None:
        return None
    return ItemValues(topic, hours, work_type, week, planned_on)


def _whole(
    cell: Cell, what: str, low: int, high: int, reasons: list[str], *, required: bool
) -> int | None:
    text = _text(cell)
    if not text:
        if required:
            reasons.append(f"The {what} are missing." if what == "hours" else f"No {what}.")
        return None
    try:
        number = int(text)
    except ValueError:
        reasons.append(f"The {what} {text!r} is not a whole number.")
        return None
    if not low <= number <= high:
        reasons.append(f"The {what} {number} is outside {low}–{high}.")
        return None
    return number


def _date(cell: Cell, reasons: list[str]) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = _text(cell)
    if not text:
        return None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    reasons.append(f"The date {text!r} is not ДД.ММ.ГГГГ or ГГГГ-ММ-ДД.")
    return None
