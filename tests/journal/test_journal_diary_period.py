"""The diary's period view (GET /diary/{student}/periods/{period}) and its years
(GET /diary/{student}/years): marks by subject with the weighted average, absences, the
programme's progress and remarks; every year the student was in; for those allowed."""

import uuid
from typing import Any

import pytest
from curriculum_samples import open_year, put_plan
from journal_world import World, problem_type, rows


async def periods(world: World, year_id: uuid.UUID) -> dict[tuple[str, int], str]:
    response = await world.client.get(f"/years/{year_id}", headers=world.auth("deputy"))
    assert response.status_code == 200, response.text
    return {(p["kind"], p["number"]): p["period_id"] for p in response.json()["periods"]}


@pytest.fixture
async def quarter(world: World) -> str:
    """The second quarter of 2026/27 (it holds the world's lessons of 23–24 November)."""
    year_id = await open_year(world)
    world.ids["year"] = year_id
    return (await periods(world, year_id))[("quarter", 2)]


async def read(world: World, who: str, period_id: str, student: str = "student") -> Any:
    return await world.client.get(
        f"/diary/{world.ids[student]}/periods/{period_id}", headers=world.auth(who)
    )


async def summary(world: World, who: str, period_id: str) -> dict[str, Any]:
    response = await read(world, who, period_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def subject(body: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in body["subjects"] if s["subject_name"] == name]
    return found


async def test_marks_by_subject_with_the_weighted_average(world: World, quarter: str) -> None:
    await world.mark("student", 5, "control")  # weight 3 in the default work types
    await world.mark("student", 3, "answer", lesson="math_lesson_tuesday")  # weight 1
    await world.mark("student", 4, "homework", lesson="russian_lesson", who="teacher")
    await world.mark("classmate", 2, "answer")

    body = await summary(world, "parent", quarter)

    assert [s["subject_name"] for s in body["subjects"]] == ["Математика", "Русский язык"]
    math = subject(body, "Математика")
    weights = {m["work_type"]: m["weight"] for m in math["marks"]}
    assert [m["value"] for m in math["marks"]] == [5, 3]
    expected = (5 * weights["control"] + 3 * weights["answer"]) / sum(weights.values())
    assert float(math["average"]) == pytest.approx(round(expected, 2))
    assert [m["value"] for m in subject(body, "Русский язык")["marks"]] == [4]
    assert body["period"]["kind"] == "quarter" and body["period"]["number"] == 2


async def test_a_changed_weight_weighs_marks_already_given(world: World, quarter: str) -> None:
    await world.mark("student", 5, "control")
    await world.mark("student", 3, "answer", lesson="math_lesson_tuesday")
    await world.patch_work_type("control", {"weight": 1})
    await world.patch_work_type("answer", {"weight": 1})

    math = subject(await summary(world, "student", quarter), "Математика")

    assert math["average"] == "4.00"


async def test_removed_marks_and_other_periods_are_left_out(world: World, quarter: str) -> None:
    removed = await world.mark("student", 2, "answer")
    await world.mark("student", 5, "answer", lesson="math_lesson_tuesday")
    response = await world.client.request(
        "DELETE",
        f"/marks/{removed['mark_id']}",
        json={"reason": "Ошибка", "version": 1},
        headers=world.auth("class_teacher"),
    )
    assert response.status_code == 200, response.text
    first_quarter = (await periods(world, world.ids["year"]))[("quarter", 1)]

    assert [
        m["value"] for m in subject(await summary(world, "parent", quarter), "Математика")["marks"]
    ] == [5]
    math_q1 = subject(await summary(world, "parent", first_quarter), "Математика")
    assert math_q1["marks"] == [] and math_q1["average"] is None


async def test_absences_by_code_and_remarks_of_the_period(world: World, quarter: str) -> None:
    for lesson, code in (("math_lesson", "Б"), ("math_lesson_tuesday", "Н")):
        path = f"/lessons/{world.ids[lesson]}/attendance/{world.student_id}"
        response = await world.client.put(
            path, json={"code": code}, headers=world.auth("class_teacher")
        )
        assert response.status_code == 200, response.text
    response = await world.client.post(
        f"/students/{world.student_id}/remarks",
        json={"kind": "praise", "text": "Помог однокласснику", "date": "2026-11-24"},
        headers=world.auth("teacher"),
    )
    assert response.status_code == 201, response.text

    body = await summary(world, "parent", quarter)

    assert subject(body, "Математика")["absences"] == {"Б": 1, "Н": 1}
    assert subject(body, "Русский язык")["absences"] == {}
    assert [(r["kind"], r["text"]) for r in body["remarks"]] == [("praise", "Помог однокласснику")]


async def test_the_programme_counts_plan_topics_held(world: World, quarter: str) -> None:
    plan = await put_plan(world, world.ids["year"])
    first_item = plan["items"][0]["item_id"]
    await rows(
        world.db,
        "UPDATE lessons SET plan_item_id = :item WHERE id IN (:a, :b) RETURNING id",
        item=first_item,
        a=world.math_lesson_id,
        b=world.ids["math_lesson_tuesday"],
    )

    body = await summary(world, "student", quarter)

    assert subject(body, "Математика")["programme"] == {"planned": len(plan["items"]), "held": 1}
    assert subject(body, "Русский язык")["programme"] == {"planned": 0, "held": 0}


async def test_a_subject_teacher_sees_only_their_own_subjects(world: World, quarter: str) -> None:
    await world.mark("student", 5, "control")
    await world.mark("student", 4, "homework", lesson="russian_lesson", who="teacher")

    seen = {
        who: [s["subject_name"] for s in (await summary(world, who, quarter))["subjects"]]
        for who in ("teacher", "class_teacher", "deputy", "director", "student", "parent")
    }

    assert seen["teacher"] == ["Русский язык"]
    for who in ("class_teacher", "deputy", "director", "student", "parent"):
        assert seen[who] == ["Математика", "Русский язык"], who


@pytest.mark.parametrize(
    ("who", "student"), [("outsider", "student"), ("parent", "classmate"), ("student", "classmate")]
)
async def test_others_do_not_find_the_student(
    world: World, quarter: str, who: str, student: str
) -> None:
    response = await read(world, who, quarter, student)
    assert response.status_code == 404
    assert problem_type(response) == "not-found"


async def test_the_sysadmin_is_refused(world: World, quarter: str) -> None:
    response = await read(world, "sysadmin", quarter)
    assert response.status_code == 403


async def test_without_a_token_it_is_401(world: World, quarter: str) -> None:
    response = await world.client.get(f"/diary/{world.student_id}/periods/{quarter}")
    assert response.status_code == 401


async def test_another_schools_period_and_student_are_not_found(
    world: World, other: World, quarter: str
) -> None:
    others_year = await open_year(other)
    others_quarter = (await periods(other, others_year))[("quarter", 2)]
    assert (await read(world, "deputy", others_quarter)).status_code == 404
    response = await world.client.get(
        f"/diary/{other.student_id}/periods/{quarter}", headers=world.auth("deputy")
    )
    assert response.status_code == 404
    unknown = await read(world, "deputy", str(uuid.uuid4()))
    assert unknown.status_code == 404


async def test_a_malformed_period_id_is_a_422(world: World, quarter: str) -> None:
    response = await read(world, "deputy", "not-a-uuid")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_years_the_student_was_in_with_their_class_periods(
    world: World, quarter: str
) -> None:
    response = await world.client.get(
        f"/diary/{world.student_id}/years", headers=world.auth("parent")
    )
    assert response.status_code == 200, response.text
    # The child's name, for the parent's child switcher.
    assert (response.json()["last_name"], response.json()["first_name"]) == ("Смирнов", "Иван")
    (year,) = response.json()["years"]
    assert year["year_id"] == str(world.ids["year"]) and year["class_name"] == "5А"
    assert [(p["kind"], p["number"]) for p in year["periods"]] == [
        ("quarter", n) for n in (1, 2, 3, 4)
    ]
    outsider = await world.client.get(
        f"/diary/{world.student_id}/years", headers=world.auth("outsider")
    )
    assert outsider.status_code == 404


async def set_final(world: World, assignment: str, term: str, value: int | str, who: str) -> None:
    response = await world.client.put(
        f"/assignments/{world.ids[assignment]}/{term}/finals/{world.student_id}",
        json={"value": value},
        headers=world.auth(who),
    )
    assert response.status_code == 200, response.text


async def test_final_marks_in_the_period_view_and_the_years_finals(
    world: World, quarter: str
) -> None:
    await set_final(world, "math_assignment", f"periods/{quarter}", 5, "class_teacher")
    await set_final(world, "russian_assignment", f"periods/{quarter}", "осв", "teacher")
    await set_final(world, "math_assignment", f"years/{world.ids['year']}", 4, "class_teacher")

    body = await summary(world, "parent", quarter)
    assert subject(body, "Математика")["final_mark"] == 5
    assert subject(body, "Русский язык")["final_mark"] == "осв"

    path = f"/diary/{world.student_id}/years/{world.ids['year']}/finals"
    response = await world.client.get(path, headers=world.auth("student"))
    assert response.status_code == 200, response.text
    finals = {s["subject_name"]: s["finals"] for s in response.json()["subjects"]}
    assert [(f["kind"], f["number"], f["value"]) for f in finals["Математика"]] == [
        ("quarter", 2, 5),
        (None, None, 4),
    ]
    assert [f["value"] for f in finals["Русский язык"]] == ["осв"]

    teachers = await world.client.get(path, headers=world.auth("teacher"))
    assert [s["subject_name"] for s in teachers.json()["subjects"]] == ["Русский язык"]
    for who in ("outsider",):
        assert (await world.client.get(path, headers=world.auth(who))).status_code == 404
    classmate = await world.client.get(
        f"/diary/{world.classmate_id}/years/{world.ids['year']}/finals",
        headers=world.auth("parent"),
    )
    assert classmate.status_code == 404
    unknown_year = await world.client.get(
        f"/diary/{world.student_id}/years/{uuid.uuid4()}/finals", headers=world.auth("parent")
    )
    assert unknown_year.status_code == 404


async def set_homework(world: World, lesson: str, text: str, due_on: str, who: str) -> None:
    response = await world.client.put(
        f"/lessons/{world.ids[lesson]}/homework",
        json={"text": text, "due_on": due_on, "version": 1},
        headers=world.auth(who),
    )
    assert response.status_code == 200, response.text


async def test_homework_due_in_a_range_with_its_files(world: World) -> None:
    await set_homework(world, "math_lesson", "№ 5 и 6", "2026-11-25", "class_teacher")
    await set_homework(world, "russian_lesson", "Упр. 12", "2026-11-27", "teacher")
    await set_homework(world, "math_lesson_tuesday", "№ 7", "2026-12-03", "class_teacher")
    upload = await world.client.post(
        f"/lessons/{world.math_lesson_id}/homework/attachments",
        files={"file": ("задание.txt", "Решить № 5".encode(), "text/plain")},
        headers=world.auth("class_teacher"),
    )
    assert upload.status_code == 201, upload.text
    week = {"from": "2026-11-23", "to": "2026-11-29"}

    response = await world.client.get(
        f"/diary/{world.student_id}/homework", params=week, headers=world.auth("parent")
    )

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["subject_name"], i["text"], i["due_on"]) for i in items] == [
        ("Математика", "№ 5 и 6", "2026-11-25"),
        ("Русский язык", "Упр. 12", "2026-11-27"),
    ]
    (attachment,) = items[0]["attachments"]
    download = await world.client.get(
        attachment["url"].removeprefix("/api/journal"), headers=world.auth("parent")
    )
    assert download.status_code == 200 and download.content == "Решить № 5".encode()

    teachers = await world.client.get(
        f"/diary/{world.student_id}/homework", params=week, headers=world.auth("teacher")
    )
    assert [i["subject_name"] for i in teachers.json()["items"]] == ["Русский язык"]


async def test_homework_due_refuses_others_and_bad_ranges(world: World, other: World) -> None:
    path = f"/diary/{world.student_id}/homework"
    for who in ("outsider",):
        assert (await world.client.get(path, headers=world.auth(who))).status_code == 404
    assert (await world.client.get(path, headers=other.auth("deputy"))).status_code == 404
    assert (await world.client.get(path, headers=world.auth("sysadmin"))).status_code == 403
    assert (await world.client.get(path)).status_code == 401
    classmate = await world.client.get(
        f"/diary/{world.classmate_id}/homework", headers=world.auth("parent")
    )
    assert classmate.status_code == 404
    for params in (
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"from": "2026-09-01", "to": "2026-12-31"},
    ):
        bad = await world.client.get(path, params=params, headers=world.auth("parent"))
        assert bad.status_code == 422, params
        assert bad.headers["content-type"].startswith("application/problem+json")
