"""Each report's body (its JSON) as a document of sheets, with Russian titles; and the
answer in the format asked for."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar, cast

from fastapi import Query, Response
from pydantic import BaseModel

from reporting.formats.pdf import to_pdf
from reporting.formats.sheets import Chart, Document, Sheet
from reporting.formats.tabular import to_csv, to_xlsx

Format = Literal["json", "csv", "xlsx", "pdf"]
FileFormat = Annotated[
    Format, Query(alias="format", description="json (default), csv, xlsx or pdf")
]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# What `?format=` answers besides JSON, for the OpenAPI documents (the client's types).
FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {
            media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for media in MEDIA_TYPES.values()
        }
    }
}
RENDERERS: dict[str, Callable[[Document], bytes]] = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}

KINDS = {"quarter": "четверть", "half": "полугодие"}
INDICATORS = [
    ("n5", "«5»"),
    ("n4", "«4»"),
    ("n3", "«3»"),
    ("n2", "«2»"),
    ("n_na", "н/а"),
    ("n_exempt", "осв"),
    ("students_counted", "N"),
    ("progress_rate", "Успеваемость, %"),
    ("quality_rate", "Качество, %"),
    ("learning_degree", "СОУ, %"),
    ("mean_mark", "Средний балл"),
]
RATES_CHART = ("progress_rate", "quality_rate")


def _day(text: str) -> str:
    return date.fromisoformat(text).strftime("%d.%m.%Y")


def period_title(period: dict[str, Any]) -> str:
    span = f"{_day(period['starts_on'])}–{_day(period['ends_on'])}"
    if period["kind"] == "year":
        return f"{period['year_name']} учебный год ({span})"
    return f"{period['year_name']}, {period['number']} {KINDS[period['kind']]} ({span})"


def _marked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of classes given marks (those taught without are named in the subtitle)."""
    return [row for row in rows if row.get("marks_given", True)]


def unmarked_note(body: dict[str, Any]) -> str:
    """The classes of the report taught without marks, for the subtitle (none: nothing)."""
    names = sorted(
        {
            row.get("class_name") or str(row.get("class_id"))
            for row in [*body.get("groups", []), *body.get("classes", [])]
            if not row.get("marks_given", True)
        }
    )
    if not names:
        return ""
    return "; без отметок, не учитываются: " + ", ".join(names)


def progress_document(body: dict[str, Any]) -> Document:
    school = [body["school"]] if body.get("school") else []
    return Document(
        "Успеваемость и качество знаний",
        period_title(body["period"]) + unmarked_note(body),
        [
            Sheet(
                "Классы и предметы",
                [("class_name", "Класс"), ("subject_name", "Предмет"), *INDICATORS],
                _marked(body["groups"]),
            ),
            Sheet(
                "Классы",
                [("class_name", "Класс"), *INDICATORS],
                _marked(body["classes"]),
                Chart("Успеваемость и качество по классам", "class_name", RATES_CHART),
            ),
            Sheet(
                "Параллели",
                [("grade", "Параллель"), *INDICATORS],
                body["parallels"],
                Chart("Успеваемость и качество по параллелям", "grade", RATES_CHART),
            ),
            Sheet("Школа", INDICATORS, school),
        ],
    )


def district_document(body: dict[str, Any]) -> Document:
    kind = "учебный год" if body["kind"] == "year" else f"{body['number']} {KINDS[body['kind']]}"
    return Document(
        "Успеваемость и качество знаний по району",
        f"{body['year_name']}, {kind}",
        [
            Sheet(
                "Школы",
                [("school_name", "Школа"), *INDICATORS],
                body["schools"],
                Chart("Успеваемость и качество по школам", "school_name", RATES_CHART),
            ),
            Sheet("Параллели", [("grade", "Параллель"), *INDICATORS], body["parallels"]),
            Sheet("Район", INDICATORS, [body["district"]]),
        ],
    )


def report_card_document(body: dict[str, Any]) -> Document:
    rows = [{**line, "marks": [m["value"] for m in line["marks"]]} for line in body["subjects"]]
    return Document(
        "Табель успеваемости",
        period_title(body["period"]),
        [
            Sheet(
                "Предметы",
                [
                    ("subject_name", "Предмет"),
                    ("marks", "Отметки"),
                    ("weighted_average", "Средневзвешенный балл"),
                    ("suggested", "Расчётная отметка"),
                    ("final", "Итоговая отметка"),
                    ("lessons_missed", "Пропущено уроков"),
                ],
                rows,
            )
        ],
    )


ABSENCES = [("Н", "Н"), ("Б", "Б"), ("П", "П"), ("ОП", "ОП"), ("missed", "Пропущено")]


def attendance_document(body: dict[str, Any]) -> Document:
    return Document(
        "Посещаемость",
        period_title(body["period"]),
        [
            Sheet(
                "Классы",
                [
                    ("class_name", "Класс"),
                    ("lessons_held", "Уроков проведено"),
                    *ABSENCES,
                    ("missed_share", "Доля пропущенных, %"),
                ],
                body["classes"],
                Chart("Доля пропущенных уроков по классам", "class_name", ("missed_share",)),
            ),
            *(
                Sheet(
                    f"Класс {klass['class_name'] or klass['class_id']}",
                    [
                        ("student_id", "Ученик"),
                        ("lessons", "Уроков"),
                        *ABSENCES,
                        ("missed_share", "Доля пропущенных, %"),
                    ],
                    klass["students"],
                )
                for klass in body["classes"]
            ),
        ],
    )


ASSIGNMENT = [("class_name", "Класс"), ("subject_name", "Предмет"), ("teacher_name", "Учитель")]


def journal_control_document(body: dict[str, Any]) -> Document:
    rows = [
        {**row, "students_below_minimum": len(row["students_below_minimum"])}
        for row in body["assignments"]
    ]
    return Document(
        "Контроль ведения классных журналов",
        f"{_day(body['starts_on'])}–{_day(body['ends_on'])}; отметка позже "
        f"{body['late_entry_days']} дн. — несвоевременная; минимум отметок {body['min_marks']}",
        [
            Sheet(
                "Журналы",
                [
                    *ASSIGNMENT,
                    ("lessons_held", "Уроков проведено"),
                    ("lessons_without_topic", "Без темы"),
                    ("lessons_without_homework", "Без домашнего задания"),
                    ("late_marks", "Несвоевременных отметок"),
                    ("students_below_minimum", "Учеников с малым числом отметок"),
                    ("last_entry_at", "Последняя запись"),
                ],
                rows,
            )
        ],
    )


def quarter_check_document(body: dict[str, Any]) -> Document:
    findings = [
        {**{k: row[k] for k, _ in ASSIGNMENT}, "detail": finding["detail"]}
        for row in body["assignments"]
        for finding in row["findings"]
    ]
    return Document(
        "Проверка журналов по итогам периода",
        period_title(body["period"]),
        [
            Sheet(
                "Программа",
                [
                    *ASSIGNMENT,
                    ("lessons_held", "Уроков проведено"),
                    ("curriculum_lessons", "По учебному плану"),
                    ("plan_topics_due", "Тем КТП"),
                    ("plan_topics_covered", "Пройдено тем"),
                    ("control_works_planned", "Контрольных по КТП"),
                    ("control_works_held", "Контрольных проведено"),
                ],
                body["assignments"],
            ),
            Sheet("Замечания", [*ASSIGNMENT, ("detail", "Замечание")], findings),
        ],
    )


def activity_document(body: dict[str, Any]) -> Document:
    roles = sorted({role for day in body["days"] for role in day["sign_ins_by_role"]})
    days = [{"on": _day(d["on"]), **d["sign_ins_by_role"]} for d in body["days"]]
    actions = [
        {"what": title, "count": body["actions"][key]}
        for key, title in (
            ("marks_entered", "Выставлено отметок"),
            ("lessons_filled", "Заполнено уроков"),
            ("messages_sent", "Отправлено сообщений"),
            ("diary_views", "Просмотров дневника"),
        )
    ]
    return Document(
        "Активность пользователей",
        f"Неделя {_day(body['week_starts_on'])}–{_day(body['week_ends_on'])}",
        [
            Sheet("Входы по дням", [("on", "День"), *((r, r) for r in roles)], days),
            Sheet("Действия", [("what", "Действие"), ("count", "Количество")], actions),
            Sheet("Не заполняли журнал", [("name", "Сотрудник")], body["staff_without_entries"]),
        ],
    )


DOCUMENTS: dict[str, Callable[[dict[str, Any]], Document]] = {
    "progress": progress_document,
    "district-progress": district_document,
    "report-card": report_card_document,
    "attendance": attendance_document,
    "journal-control": journal_control_document,
    "quarter-check": quarter_check_document,
    "activity": activity_document,
}


Body = TypeVar("Body", bound=BaseModel | dict[str, Any])


def as_format(kind: str, body: Body, format: Format) -> Body:
    """The body itself for JSON; otherwise the file, named after the report (FastAPI hands
    a Response on as it is, past the endpoint's response model)."""
    if format == "json":
        return body
    data = (
        body.model_dump(mode="json", by_alias=True) if isinstance(body, BaseModel) else _json(body)
    )
    content = RENDERERS[format](DOCUMENTS[kind](data))
    response = Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{kind}.{format}"'},
    )
    return cast(Body, response)


def _json(body: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    encoded: dict[str, Any] = jsonable_encoder(body)
    return encoded
