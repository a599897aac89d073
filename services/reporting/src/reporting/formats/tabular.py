"""CSV (one file, each sheet under its title) and XLSX (one styled sheet per scope)."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reporting.formats.sheets import Document, cell

HEADER_FILL = PatternFill("solid", start_color="FFDCE6F1")
THIN = Side(style="thin", color="FF9BA7B4")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def to_csv(document: Document) -> bytes:
    """UTF-8 with a BOM (Excel opens it in Cyrillic), `;`-separated as Russian Excel expects."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([document.title])
    writer.writerow([document.subtitle])
    for sheet in document.sheets:
        writer.writerow([])
        writer.writerow([sheet.title])
        writer.writerow([title for _, title in sheet.columns])
        for row in sheet.rows:
            writer.writerow([cell(row.get(key)) for key, _ in sheet.columns])
    return ("\ufeff" + out.getvalue()).encode()


def _sheet_title(title: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the book.
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title)[:31]
    name, n = clean, 2
    while name in taken:
        name = f"{clean[:28]} {n}"
        n += 1
    taken.add(name)
    return name


def to_xlsx(document: Document) -> bytes:
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for sheet in document.sheets or []:
        page = book.create_sheet(_sheet_title(sheet.title, taken))
        page.append([document.title])
        page["A1"].font = Font(bold=True, size=14)
        page.append([f"{document.subtitle} — {sheet.title}"])
        page["A2"].font = Font(italic=True)
        page.append([title for _, title in sheet.columns])
        for n in range(1, len(sheet.columns) + 1):
            header = page.cell(row=3, column=n)
            header.font = Font(bold=True)
            header.fill = HEADER_FILL
            header.border = BORDER
            header.alignment = Alignment(wrap_text=True, vertical="center")
        for row in sheet.rows:
            page.append([cell(row.get(key)) for key, _ in sheet.columns])
        for line in page.iter_rows(min_row=4, max_row=page.max_row):
            for value in line:
                value.border = BORDER
        for n, (key, title) in enumerate(sheet.columns, start=1):
            widest = max([len(title)] + [len(str(cell(r.get(key)))) for r in sheet.rows])
            page.column_dimensions[get_column_letter(n)].width = min(max(10, widest + 2), 60)
        page.freeze_panes = "A4"
    if not book.sheetnames:
        book.create_sheet("Отчёт").append([document.title])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
