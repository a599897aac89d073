"""Every report in every format: CSV (UTF-8, `;`), XLSX (a styled sheet per scope) and
PDF (Russian, with the DejaVu font embedded and a chart where the report has one)."""

import io

import httpx
import pytest
from openpyxl import load_workbook
from report_world import World, world
from reporting_school import School

REPORTS = {
    "progress": lambda w: ("/progress", {"period_id": str(w.period)}),
    "report-card": lambda w: (
        f"/students/{w.students[1]}/report-card",
        {"period_id": str(w.period)},
    ),
    "attendance": lambda w: ("/attendance", {"period_id": str(w.period)}),
    "journal-control": lambda w: ("/journal-control", {"month": "2026-11"}),
    "quarter-check": lambda w: ("/quarter-check", {"period_id": str(w.period)}),
    "activity": lambda w: ("/activity", {"week": "2026-11-23"}),
}
SHEETS = {
    "progress": ["Классы и предметы", "Классы", "Параллели", "Школа"],
    "report-card": ["Предметы"],
    "attendance": ["Классы", "Класс 5А", "Класс 5Б"],
    "journal-control": ["Журналы"],
    "quarter-check": ["Программа", "Замечания"],
    "activity": ["Входы по дням", "Действия", "Не заполняли журнал"],
}


async def fetch(
    client: httpx.AsyncClient, school: School, w: World, report: str, fmt: str
) -> httpx.Response:
    path, params = REPORTS[report](w)
    response = await client.get(
        f"/api/reporting{path}", params={**params, "format": fmt}, headers=school.token("director")
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("report", sorted(REPORTS))
async def test_every_report_in_every_format(
    client: httpx.AsyncClient, school: School, report: str
) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]

    csv = await fetch(client, school, w, report, "csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == f'attachment; filename="{report}.csv"'
    text = csv.content.decode("utf-8-sig")
    assert all(title in text for title in SHEETS[report])

    xlsx = await fetch(client, school, w, report, "xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == SHEETS[report]
    first = book[SHEETS[report][0]]
    assert first["A3"].font.bold  # the header row is styled
    assert first.freeze_panes == "A4"

    pdf = await fetch(client, school, w, report, "pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"DejaVuSans" in pdf.content  # the Cyrillic font travels inside the file


async def test_the_progress_csv_holds_the_figures(
    client: httpx.AsyncClient, school: School
) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    text = (await fetch(client, school, w, "progress", "csv")).content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Успеваемость и качество знаний"
    assert lines[1] == "2026/2027, 2 четверть (03.11.2026–27.12.2026)"
    header = lines.index(
        "Класс;«5»;«4»;«3»;«2»;н/а;осв;N;Успеваемость, %;Качество, %;СОУ, %;Средний балл"
    )
    # 5А overall: maths 4, 3, н/а (s2 one mark below the minimum of 2); Russian s0 4.
    # СОУ (64·2 + 36 + 7) / 4 = 42.75; mean (4 + 3 + 4) / 3 = 3.67.
    assert lines[header + 1] == "5А;0;2;1;0;1;0;4;75.0;50.0;42.8;3.67"


async def test_the_pdf_has_a_chart_when_there_are_classes(
    client: httpx.AsyncClient, school: School
) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    pdf = (await fetch(client, school, w, "progress", "pdf")).content
    assert b"/Subtype /Image" in pdf


async def test_an_unknown_format_is_refused(client: httpx.AsyncClient, school: School) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    response = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(w.period), "format": "docx"},
        headers=school.token("director"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
