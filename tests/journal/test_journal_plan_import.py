"""Importing a thematic plan from CSV or XLSX: POST .../plans/{year}/import with the file
as the body. Every bad row is named with its line and reason in one 422, nothing is written
unless the whole file is valid, and the same file imported again changes nothing."""

import datetime as dt
import io
from typing import Any

import httpx
import pytest
from curriculum_samples import open_year, plan_path, put_plan, school_events
from journal_world import World, problem_type, table_counts
from openpyxl import Workbook

from journal.curriculum.plan_file import MAX_FILE_BYTES

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHANGED = "journal.thematic_plan.changed.v1"

ROWS = [
    ["№", "Тема", "Часы", "Контроль", "Неделя", "Дата"],
    ["1", "Натуральные числа", "3", "", "1", ""],
    ["2", "Сложение и вычитание", "4", "", "", ""],
    ["3", "Контрольная работа № 1", "1", "Контрольная работа", "", "25.09.2026"],
    ["4", "Обыкновенные дроби", "6", "", "", ""],
]
EXPECTED = [
    ("Натуральные числа", 3, None, 1, None),
    ("Сложение и вычитание", 4, None, None, None),
    ("Контрольная работа № 1", 1, "control", None, "2026-09-25"),
    ("Обыкновенные дроби", 6, None, None, None),
]


def csv_file(rows: list[list[str]], sep: str = ";", encoding: str = "utf-8") -> bytes:
    return "\r\n".join(sep.join(row) for row in rows).encode(encoding) + b"\r\n"


def xlsx_file(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def items(plan: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (i["topic"], i["hours"], i["work_type"], i["planned_week"], i["planned_on"])
        for i in plan["items"]
    ]


async def upload(
    world: World,
    year_id: Any,
    content: bytes,
    media_type: str = CSV,
    who: str = "class_teacher",
    query: str = "",
) -> httpx.Response:
    return await world.client.post(
        f"{plan_path(world, year_id)}/import{query}",
        content=content,
        headers={**world.auth(who), "Content-Type": media_type},
    )


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (csv_file(ROWS), CSV),
        (csv_file(ROWS, encoding="utf-8-sig"), CSV),
        (csv_file(ROWS, sep=",", encoding="cp1251"), CSV),
        (csv_file(ROWS, sep=",", encoding="utf-8-sig"), "text/csv; charset=utf-8"),
        (xlsx_file(ROWS), XLSX),
        (
            xlsx_file(
                [
                    ROWS[0],
                    [1, "Натуральные числа", 3, None, 1, None],
                    ROWS[2],
                    [3, "Контрольная работа № 1", 1.0, "control", None, dt.datetime(2026, 9, 25)],
                    ROWS[4],
                ]
            ),
            XLSX,
        ),
    ],
    ids=[
        "csv-semicolon-utf8",
        "csv-bom",
        "csv-comma-cp1251",
        "csv-comma-bom",
        "xlsx-text",
        "xlsx-typed-cells",
    ],
)
async def test_a_plan_is_imported_from_csv_or_xlsx(
    world: World, content: bytes, media_type: str
) -> None:
    year_id = await open_year(world)

    response = await upload(world, year_id, content, media_type)

    assert response.status_code == 200, response.text
    assert items(response.json()) == EXPECTED
    assert response.json()["version"] == 1
    [event] = await school_events(world, CHANGED)
    assert len(event["data"]["items"]) == 4


async def test_english_headers_any_case_and_empty_rows_are_fine(world: World) -> None:
    year_id = await open_year(world)
    content = csv_file([["TOPIC", "Hours", "Date"], ["", "", ""], ["Дроби", "2", "2026-10-01"]])

    response = await upload(world, year_id, content)

    assert response.status_code == 200, response.text
    assert items(response.json()) == [("Дроби", 2, None, None, "2026-10-01")]


async def test_the_same_file_twice_changes_nothing(world: World) -> None:
    year_id = await open_year(world)
    first = await upload(world, year_id, csv_file(ROWS))

    second = await upload(world, year_id, csv_file(ROWS))
    as_xlsx = await upload(world, year_id, xlsx_file(ROWS), XLSX)

    assert first.json() == second.json() == as_xlsx.json()
    assert len(await school_events(world, CHANGED)) == 1


async def test_a_corrected_file_keeps_the_items_ids_by_position(world: World) -> None:
    year_id = await open_year(world)
    first = (await upload(world, year_id, csv_file(ROWS))).json()
    corrected = [*ROWS[:2], ["2", "Сложение и вычитание чисел", "5", "", "", ""], *ROWS[3:4]]

    second = (await upload(world, year_id, csv_file(corrected))).json()

    assert second["version"] == 2
    assert [i["item_id"] for i in second["items"]] == [i["item_id"] for i in first["items"][:3]]
    assert second["items"][1]["topic"] == "Сложение и вычитание чисел"


async def test_every_bad_row_is_named_with_its_line_and_nothing_is_written(
    world: World,
) -> None:
    year_id = await open_year(world)
    await put_plan(world, year_id)
    before = await table_counts(world.db)
    bad = [
        ROWS[0],
        ROWS[1],
        ["2", "", "4", "", "", ""],  # line 3: no topic
        ["3", "Дроби", "два", "", "", ""],  # line 4: hours not a number
        ["4", "Дроби", "0", "", "60", ""],  # line 5: hours 0 and week 60
        ["5", "Дроби", "1", "Экзамен", "", "31.02.2027"],  # line 6: work type, date
        ["6", "Дроби", "1", "", "", "01.07.2027"],  # line 7: after the year
        ROWS[4],
    ]

    response = await upload(world, year_id, csv_file(bad))

    assert response.status_code == 422, response.text
    assert problem_type(response) == "invalid-plan-file"
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [3, 4, 5, 5, 6]
    assert all(e["reason"] for e in errors)
    assert "not a whole number" in errors[1]["reason"]
    assert "ДД.ММ.ГГГГ" in errors[4]["reason"]
    assert await table_counts(world.db) == before


async def test_rows_the_school_s_data_refuses_are_named_by_line_too(world: World) -> None:
    year_id = await open_year(world)
    bad = [ROWS[0], ROWS[1], ["2", "Зачёт", "1", "Экзамен", "", "01.07.2027"], ROWS[4]]
    before = await table_counts(world.db)

    response = await upload(world, year_id, csv_file(bad))

    assert response.status_code == 422, response.text
    assert [e["line"] for e in response.json()["errors"]] == [3, 3]
    assert "Экзамен" in response.json()["errors"][0]["reason"]
    assert await table_counts(world.db) == before


async def test_xlsx_rows_are_named_by_their_sheet_row(world: World) -> None:
    year_id = await open_year(world)
    bad = [ROWS[0], ROWS[1], [None, None, None], ["3", "Дроби", 2.5, None, None, None]]

    response = await upload(world, year_id, xlsx_file(bad), XLSX)

    assert response.status_code == 422, response.text
    assert [e["line"] for e in response.json()["errors"]] == [4]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (csv_file([["Тема", "Минуты"], ["Дроби", "2"]]), "Unknown column"),
        (csv_file([["Тема", "Тема", "Часы"]]), "twice"),
        (csv_file([["Часы"], ["2"]]), "Тема"),
        (b"PK\x03\x04not really a workbook", "XLSX"),
        (b"\x00\x01\x02\x03", "neither"),
    ],
    ids=["empty", "unknown-column", "repeated-column", "no-topic-column", "broken-xlsx", "binary"],
)
async def test_a_file_that_is_not_a_plan_is_422(world: World, content: bytes, reason: str) -> None:
    year_id = await open_year(world)
    before = await table_counts(world.db)

    response = await upload(world, year_id, content)

    assert response.status_code == 422, response.text
    assert problem_type(response) == "invalid-plan-file"
    assert response.json()["errors"][0]["line"] == 1
    assert reason in response.json()["errors"][0]["reason"]
    assert await table_counts(world.db) == before


async def test_other_media_types_are_415_and_big_files_413(world: World) -> None:
    year_id = await open_year(world)

    json_body = await upload(world, year_id, b"{}", "application/json")
    big = await upload(world, year_id, b"x" * (MAX_FILE_BYTES + 1))

    assert (json_body.status_code, big.status_code) == (415, 413)
    assert problem_type(big) == "file-too-large"


async def test_an_import_over_a_stale_version_is_409(world: World) -> None:
    year_id = await open_year(world)
    await upload(world, year_id, csv_file(ROWS))

    stale = await upload(world, year_id, csv_file(ROWS[:2]), query="?version=0")
    current = await upload(world, year_id, csv_file(ROWS[:2]), query="?version=1")

    assert (stale.status_code, current.status_code) == (409, 200)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("deputy", 200),
        ("class_teacher", 200),
        ("director", 403),
        ("sysadmin", 403),
        ("student", 403),
        ("parent", 403),
        ("teacher", 404),
        ("outsider", 404),
    ],
)
async def test_who_may_import(world: World, who: str, status: int) -> None:
    year_id = await open_year(world)

    response = await upload(world, year_id, csv_file(ROWS), who=who)

    assert response.status_code == status, response.text


async def test_another_school_s_assignment_and_no_token(world: World, other: World) -> None:
    year_id = await open_year(world)
    theirs = f"/assignments/{other.ids['math_assignment']}/plans/{year_id}/import"

    foreign = await world.client.post(
        theirs, content=csv_file(ROWS), headers={**world.auth("deputy"), "Content-Type": CSV}
    )
    anonymous = await world.client.post(
        f"{plan_path(world, year_id)}/import", content=csv_file(ROWS), headers={"Content-Type": CSV}
    )

    assert (foreign.status_code, anonymous.status_code) == (404, 401)
