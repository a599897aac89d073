"""Reading a class list from a CSV or XLSX file: every row checked, every bad row named.

The format (docs/architecture.md, "Class list import"): the first row holds the column
names, in any order and case (ё and е alike); one row per student and parent, a student
with two parents on two rows (the student's columns repeated). Columns:

- фамилия, имя, дата рождения (required); отчество (optional);
- родитель: ФИО (or родитель), телефон, email (or эл. почта), адрес, кем приходится
  (мать, отец, опекун; empty means опекун), all optional; a parent needs ФИО with at
  least a surname and a name.

Dates as ДД.ММ.ГГГГ or ГГГГ-ММ-ДД (or a date cell in XLSX). CSV: separated by `;` or
`,` (whichever the header line holds more of), in UTF-8 with or without a BOM, or cp1251.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from journal.roster.schemas import Email, Phone

MAX_ROWS = 2000
KINDS = {"мать": "mother", "отец": "father", "опекун": "guardian", "": "guardian"}
COLUMNS = {
    "фамилия": "last_name",
    "имя": "first_name",
    "отчество": "middle_name",
    "дата рождения": "birth_date",
    "родитель: фио": "guardian_name",
    "родитель": "guardian_name",
    "фио родителя": "guardian_name",
    "телефон": "phone",
    "email": "email",
    "e-mail": "email",
    "эл. почта": "email",
    "адрес": "address",
    "кем приходится": "kind",
}
REQUIRED = ("last_name", "first_name", "birth_date")
_phone = TypeAdapter(Phone)
_email = TypeAdapter(Email)


@dataclass(frozen=True)
class ParentRow:
    last_name: str
    first_name: str
    middle_name: str | None
    phone: str | None
    email: str | None
    address: str | None
    kind: str


@dataclass(frozen=True)
class StudentRow:
    line: int
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: dt.date
    parent: ParentRow | None

    @property
    def key(self) -> tuple[str, str, str, dt.date]:
        return student_key(self.last_name, self.first_name, self.middle_name, self.birth_date)


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX table journal can read (no usable header, say)."""


class BadRows(Exception):
    def __init__(self, errors: list[BadRow]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


def normalise(value: str) -> str:
    """A name as it is compared: case, ё/е and repeated spaces do not matter."""
    return " ".join(value.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def student_key(
    last_name: str, first_name: str, middle_name: str | None, birth_date: dt.date
) -> tuple[str, str, str, dt.date]:
    """What makes a row the same student as one already in the class."""
    return (normalise(last_name), normalise(first_name), normalise(middle_name or ""), birth_date)


def _cell(value: Any) -> str | dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1251")
    except UnicodeDecodeError:
        raise UnreadableFile("A CSV file must be UTF-8 or cp1251 text.") from None


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str | dt.date]]]:
    text = _decode(content)
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    if "\x00" in text:
        raise UnreadableFile("A CSV file holds no NUL characters.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, [_cell(value) for value in row]
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV file cannot be read: {exc}.") from None


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str | dt.date]]]:
    from openpyxl import load_workbook  # only imports for imports

    # openpyxl raises many kinds of error on a malformed file (zip, XML, its own): every
    # one of them means the same to the person uploading it.
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile("The XLSX file cannot be read.") from exc
    try:
        sheet = book.worksheets[0]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:
                number, row = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise UnreadableFile("The XLSX file cannot be read.") from exc
            yield number, [_cell(value) for value in row]
    finally:
        book.close()


def is_xlsx(filename: str, content: bytes) -> bool:
    return content.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx")


def _date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    elif re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", value):
        d, m, y = (int(part) for part in value.split("."))
        try:
            day = dt.date(y, m, d)
        except ValueError:
            raise ValueError("дата рождения is not a real date") from None
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("дата рождения is not a real date") from None
    else:
        raise ValueError("дата рождения must be ДД.ММ.ГГГГ")
    if day > dt.date.today() or day.year < 1900:
        raise ValueError("дата рождения must be a real date in the past")
    return day


def _text(value: str | dt.date, column: str, limit: int = 100) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else value
    if "\x00" in text or any(ord(ch) < 32 for ch in text):
        raise ValueError(f"{column} holds a control character")
    if len(text) > limit:
        raise ValueError(f"{column} is longer than {limit} characters")
    return text


def _parent(fields: dict[str, str | dt.date]) -> ParentRow | None:
    given = {k: v for k, v in fields.items() if v != ""}
    if not given:
        return None
    name = _text(given.get("guardian_name", ""), "родитель: ФИО", 300).split()
    if len(name) < 2:
        raise ValueError("родитель: ФИО needs at least a surname and a name")
    kind_text = normalise(_text(given.get("kind", ""), "кем приходится"))
    if kind_text not in KINDS:
        raise ValueError("кем приходится must be мать, отец or опекун")
    try:
        phone = _phone.validate_python(given["phone"]) if "phone" in given else None
    except ValidationError:
        raise ValueError("телефон is not a phone number") from None
    try:
        email = _email.validate_python(given["email"]) if "email" in given else None
    except ValidationError:
        raise ValueError("email is not an e-mail address") from None
    address = _text(given["address"], "адрес", 500) if "address" in given else None
    return ParentRow(
        last_name=name[0],
        first_name=name[1],
        middle_name=" ".join(name[2:]) or None,
        phone=phone,
        email=email,
        address=address,
        kind=KINDS[kind_text],
    )


def _student(line: int, fields: dict[str, str | dt.date]) -> StudentRow:
    missing = [column for column in REQUIRED if fields.get(column, "") == ""]
    if missing:
        names = {v: k for k, v in COLUMNS.items()}
        raise ValueError("missing " + ", ".join(names[column] for column in missing))
    middle = _text(fields.get("middle_name", ""), "отчество")
    return StudentRow(
        line=line,
        last_name=_text(fields["last_name"], "фамилия"),
        first_name=_text(fields["first_name"], "имя"),
        middle_name=middle or None,
        birth_date=_date(fields["birth_date"]),
        parent=_parent(
            {k: fields.get(k, "") for k in ("guardian_name", "phone", "email", "address", "kind")}
        ),
    )


def read_class_list(filename: str, content: bytes) -> list[StudentRow]:
    """The file's rows, or BadRows naming every bad one (line numbers as a spreadsheet
    shows them: the header is line 1)."""
    rows = _xlsx_rows(content) if is_xlsx(filename, content) else _csv_rows(content)
    header: dict[int, str] | None = None
    result: list[StudentRow] = []
    errors: list[BadRow] = []
    for line, cells in rows:
        if all(cell == "" for cell in cells):
            continue
        if header is None:
            header = {}
            for index, cell in enumerate(cells):
                name = normalise(cell if isinstance(cell, str) else "")
                if name in COLUMNS:
                    header[index] = COLUMNS[name]
            if not set(REQUIRED) <= set(header.values()):
                raise UnreadableFile(
                    "The first row must name the columns фамилия, имя, дата рождения."
                )
            continue
        if len(result) + len(errors) >= MAX_ROWS:
            raise UnreadableFile(f"At most {MAX_ROWS} rows in one file.")
        fields = {column: cells[index] for index, column in header.items() if index < len(cells)}
        try:
            result.append(_student(line, fields))
        except ValueError as exc:
            errors.append(BadRow(line, str(exc)))
    if header is None:
        raise UnreadableFile("The file is empty.")
    if errors:
        raise BadRows(errors)
    return result
