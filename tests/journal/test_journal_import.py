"""POST /classes/{id}/import: a class list from CSV or XLSX, all or nothing, idempotent."""

import io
import uuid
from typing import Any

import httpx
import pytest
from journal_world import World, count, problem_type, rows, table_counts
from openpyxl import Workbook

HEADER = [
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Родитель: ФИО",
    "Телефон",
    "Email",
    "Кем приходится",
]
CLASS_LIST = [
    [
        "Ёлкина",
        "Дарья",
        "Игоревна",
        "05.02.2015",
        "Ёлкина Ольга Петровна",
        "+7 900 111-22-33",
        "olga@example.ru",
        "мать",
    ],
    [
        "Ёлкина",
        "Дарья",
        "Игоревна",
        "05.02.2015",
        "Ёлкин Игорь Васильевич",
        "+7 900 111-22-44",
        "",
        "отец",
    ],
    [
        "Ёлкин",
        "Матвей",
        "Игоревич",
        "2016-07-30",
        "Ёлкина Ольга Петровна",
        "+7 900 111-22-33",
        "olga@example.ru",
        "мать",
    ],
    ["Щукин", "Артём", "", "11.11.2014", "", "", "", ""],
    ["Яковлева", "Софья", "Андреевна", "01.01.2015", "Яковлева Нина Ивановна", "", "", "опекун"],
]


def csv_bytes(table: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    lines = [delimiter.join(row) for row in [HEADER, *table]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(table: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *table]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    world: World, content: bytes, name: str = "5А.csv", who: str = "class_teacher"
) -> httpx.Response:
    return await world.client.post(
        f"/classes/{world.class_id}/import",
        headers=world.auth(who),
        files={"file": (name, content, "application/octet-stream")},
    )


async def roster_of(world: World) -> list[tuple[Any, ...]]:
    """The class's students with their guardians, ids aside."""
    found = await rows(
        world.db,
        """
        SELECT s.last_name, s.first_name, s.middle_name, s.birth_date,
               g.last_name AS g_last, g.first_name AS g_first, g.middle_name AS g_middle,
               g.phone, g.email, gs.kind
        FROM students s
        JOIN enrollments e ON e.student_id = s.id AND e.left_at IS NULL
        LEFT JOIN guardianships gs ON gs.student_id = s.id AND gs.unlinked_at IS NULL
        LEFT JOIN guardians g ON g.id = gs.guardian_id
        WHERE e.class_id = :class_id
        ORDER BY 1, 2, 3, 5, 6
        """,
        class_id=world.class_id,
    )
    return [tuple(row.values()) for row in found]


async def test_a_class_list_enrolls_students_and_links_their_parents(world: World) -> None:
    response = await upload(world, csv_bytes(CLASS_LIST))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "rows": 5,
        "students_enrolled": 4,
        "students_matched": 0,
        "guardians_created": 3,  # brother and sister share their mother
        "guardians_linked": 4,
    }
    roster = await roster_of(world)
    assert ("Ёлкин", "Матвей", "Игоревич") in [r[:3] for r in roster]
    olga = [r for r in roster if r[4:6] == ("Ёлкина", "Ольга")]
    assert sorted((r[1], r[9]) for r in olga) == [("Дарья", "mother"), ("Матвей", "mother")]
    assert await count(world.db, "guardians", "last_name = 'Ёлкина'") == 1


async def test_the_same_file_twice_changes_nothing(world: World) -> None:
    content = csv_bytes(CLASS_LIST)
    await upload(world, content)
    before = await table_counts(world.db)

    again = await upload(world, content)

    assert again.status_code == 200, again.text
    assert again.json() == {
        "rows": 5,
        "students_enrolled": 0,
        "students_matched": 4,
        "guardians_created": 0,
        "guardians_linked": 0,
    }
    assert await table_counts(world.db) == before


async def test_a_student_already_in_the_class_is_matched_by_name_and_birth_date(
    world: World,
) -> None:
    # The world's Смирнов Иван, born 14.03.2015, written here in other case and with ё.
    response = await upload(
        world, csv_bytes([["СМИРНОВ", "иван", "", "14.03.2015", "", "", "", ""]])
    )

    assert response.json()["students_matched"] == 1
    assert response.json()["students_enrolled"] == 0


async def test_bad_rows_are_all_named_with_their_lines_and_nothing_is_written(
    world: World,
) -> None:
    table = [list(row) for row in CLASS_LIST] + [list(CLASS_LIST[3]) for _ in range(6)]
    # Line 1 is the header: data row i is on line i + 2.
    table[5] = ["Петров", "", "", "01.02.2015", "", "", "", ""]  # line 7: no name
    table[10] = ["Сидоров", "Олег", "", "31.02.2015", "Сидорова Анна", "12", "", "тётя"]  # 12
    before = await table_counts(world.db)

    response = await upload(world, csv_bytes(table))

    assert response.status_code == 422
    assert problem_type(response) == "invalid-rows"
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [7, 12]
    assert errors[0]["reason"] == "missing имя"
    assert "дата рождения" in errors[1]["reason"]
    assert "line 7" in response.json()["detail"] and "line 12" in response.json()["detail"]
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    ("bad_cells", "reason"),
    [
        ({5: "abc"}, "телефон"),
        ({6: "not-an-email"}, "email"),
        ({4: "Одинокое"}, "ФИО"),
        ({7: "тётя"}, "кем приходится"),
        ({3: "2999-01-01"}, "дата рождения"),
        ({3: "15/02/2015"}, "дата рождения"),
        ({0: "x" * 101}, "фамилия"),
    ],
)
async def test_each_kind_of_bad_cell_is_named(
    world: World, bad_cells: dict[int, str], reason: str
) -> None:
    row = ["Орлов", "Пётр", "", "01.02.2015", "Орлова Анна", "+7 900 000-00-01", "a@b.ru", "мать"]
    for index, value in bad_cells.items():
        row[index] = value
    before = await table_counts(world.db)

    response = await upload(world, csv_bytes([row]))

    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["line"] == 2
    assert reason in error["reason"]
    assert await table_counts(world.db) == before


async def test_xlsx_and_csv_give_the_same_roster(world: World, other: World) -> None:
    from datetime import date

    # In the spreadsheet dates are date cells, as Excel keeps them.
    spreadsheet = [list(row) for row in CLASS_LIST]
    spreadsheet[0][3] = date(2015, 2, 5)
    spreadsheet[1][3] = date(2015, 2, 5)

    by_csv = await upload(world, csv_bytes(CLASS_LIST))
    by_xlsx = await upload(other, xlsx_bytes(spreadsheet), name="5А.xlsx")

    assert by_csv.status_code == by_xlsx.status_code == 200, by_xlsx.text
    assert by_csv.json() == by_xlsx.json()
    imported = {("Ёлкина", "Дарья"), ("Ёлкин", "Матвей"), ("Щукин", "Артём"), ("Яковлева", "Софья")}
    assert [r for r in await roster_of(world) if r[:2] in imported] == [
        r for r in await roster_of(other) if r[:2] in imported
    ]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8"), (",", "utf-8-sig"), (";", "cp1251"), (",", "cp1251")],
)
async def test_csv_in_every_usual_encoding_and_separator(
    world: World, delimiter: str, encoding: str
) -> None:
    response = await upload(world, csv_bytes(CLASS_LIST, delimiter, encoding))

    assert response.status_code == 200, response.text
    assert response.json()["students_enrolled"] == 4
    assert ("Ёлкина", "Дарья", "Игоревна") in [r[:3] for r in await roster_of(world)]


async def test_a_file_without_the_required_columns_is_unreadable(world: World) -> None:
    response = await upload(world, "ФИО;Класс\r\nИванов Иван;5А\r\n".encode())

    assert response.status_code == 422
    assert problem_type(response) == "unreadable-file"


async def test_a_broken_spreadsheet_is_unreadable(world: World) -> None:
    response = await upload(world, b"PK\x03\x04 not really a zip", name="5А.xlsx")

    assert response.status_code == 422
    assert problem_type(response) == "unreadable-file"


async def test_a_file_over_the_limit_is_refused(world: World) -> None:
    before = await table_counts(world.db)

    response = await upload(world, csv_bytes(CLASS_LIST) + b" " * (3 * 1024 * 1024))

    assert response.status_code == 413
    assert problem_type(response) == "file-too-large"
    assert await table_counts(world.db) == before


async def test_a_form_without_the_file_is_refused(world: World) -> None:
    response = await world.client.post(
        f"/classes/{world.class_id}/import",
        headers=world.auth("deputy"),
        files={"document": ("5А.csv", csv_bytes(CLASS_LIST), "text/csv")},
    )

    assert response.status_code == 422
    assert problem_type(response) == "missing-file"


async def test_a_json_body_is_not_a_file(world: World) -> None:
    response = await world.client.post(
        f"/classes/{world.class_id}/import", headers=world.auth("deputy"), json={"rows": []}
    )

    assert response.status_code == 415


@pytest.mark.parametrize("who", ["sysadmin", "teacher", "outsider", "student", "parent"])
async def test_only_who_keeps_the_class_imports(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await upload(world, csv_bytes(CLASS_LIST), who=who)

    assert response.status_code == 403
    assert await table_counts(world.db) == before


async def test_importing_into_another_schools_class_is_not_found(
    world: World, other: World
) -> None:
    response = await world.client.post(
        f"/classes/{other.class_id}/import",
        headers=world.auth("deputy"),
        files={"file": ("5А.csv", csv_bytes(CLASS_LIST), "text/csv")},
    )

    assert response.status_code == 404


async def test_imported_students_are_enrolled_today_and_published_with_ids_only(
    world: World,
) -> None:
    await upload(world, csv_bytes(CLASS_LIST))

    envelopes = await rows(
        world.db,
        "SELECT envelope FROM outbox WHERE routing_key LIKE 'journal.%' AND envelope::text ~ 'Ёлк'",
    )
    assert envelopes == []
    new_ids = {
        r["id"]
        for r in await rows(world.db, "SELECT id FROM students WHERE last_name LIKE 'Ёлкин%'")
    }
    assert all(isinstance(i, uuid.UUID) for i in new_ids) and len(new_ids) == 2


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x98\x98\x98", "Фамилия;Имя;Дата рождения\r\nА\x00;Б;01.01.2015\r\n".encode()],
    ids=["neither UTF-8 nor cp1251", "a NUL"],
)
async def test_a_file_that_is_not_text_is_unreadable(world: World, content: bytes) -> None:
    before = await table_counts(world.db)

    response = await upload(world, content)

    assert response.status_code == 422
    assert problem_type(response) == "unreadable-file"
    assert await table_counts(world.db) == before
