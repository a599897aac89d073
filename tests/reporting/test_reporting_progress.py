"""The progress report from events, hand-computed: final marks where set, suggestions
where not, a student transferred mid-period counted once in the class they ended in."""

import uuid
from datetime import date

import httpx
from reporting_school import School

SUBJECT = uuid.uuid4()


async def a_quarter(school: School) -> dict[str, uuid.UUID]:
    """5А and 5Б in maths; the second quarter runs 3 Nov – 27 Dec 2026."""
    ids = {k: uuid.uuid4() for k in ("a", "b", "teacher_a", "teacher_b", "lead_a")}
    ids |= {f"s{n}": uuid.uuid4() for n in range(1, 7)}
    events = [
        school.registered(),
        school.year(),
        school.grading(min_marks=2),
        school.class_opened(class_id=ids["a"], name="5А", class_teacher_id=ids["lead_a"]),
        school.class_opened(class_id=ids["b"], name="5Б"),
        school.assignment(teacher_id=ids["teacher_a"], class_id=ids["a"], subject_id=SUBJECT),
        school.assignment(teacher_id=ids["teacher_b"], class_id=ids["b"], subject_id=SUBJECT),
    ]
    for n in (1, 2, 3, 4):
        events.append(school.enrolled(ids[f"s{n}"], ids["a"]))
    events.append(school.enrolled(ids["s5"], ids["b"]))
    events.append(school.enrolled(ids["s6"], ids["a"]))
    # s6 moves from 5А to 5Б on 1 December.
    events += school.transferred(ids["s6"], ids["a"], ids["b"], date(2026, 12, 1))

    def mark(student: str, klass: str, value: int, on: date, weight: int = 1) -> None:
        events.append(
            school.mark(
                class_id=ids[klass],
                subject_id=SUBJECT,
                student_id=ids[student],
                value=value,
                weight=weight,
                on=on,
            )
        )

    # s1: final 5. s2: marks 4, 5 → 4.50 → 5 suggested (from_0_50). s3: one mark → н/а
    # (minimum 2). s4: final осв. s5 (5Б): 2, 3 → 2.50 → 3. s6: 5, 5 in 5А before the
    # transfer, 3 in 5Б after (control, weight 3): (5+5+9)/5 = 3.80 → 4, counted in 5Б.
    events.append(
        school.final(student_id=ids["s1"], class_id=ids["a"], subject_id=SUBJECT, value=5)
    )
    mark("s1", "a", 5, date(2026, 11, 10))
    mark("s2", "a", 4, date(2026, 11, 10))
    mark("s2", "a", 5, date(2026, 11, 17))
    mark("s3", "a", 3, date(2026, 11, 10))
    events.append(
        school.final(student_id=ids["s4"], class_id=ids["a"], subject_id=SUBJECT, value="осв")
    )
    mark("s5", "b", 2, date(2026, 11, 10))
    mark("s5", "b", 3, date(2026, 11, 17))
    mark("s6", "a", 5, date(2026, 11, 10))
    mark("s6", "a", 5, date(2026, 11, 17))
    mark("s6", "b", 3, date(2026, 12, 8), weight=3)
    # A mark of the first quarter does not count in the second.
    mark("s5", "b", 5, date(2026, 10, 1))
    await school.deliver_batch(events)  # type: ignore[arg-type]
    return ids


async def test_the_quarter_per_class_and_subject_rolled_up(
    client: httpx.AsyncClient, school: School
) -> None:
    await a_quarter(school)
    response = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(school.period_id(2))},
        headers=school.token("deputy"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"]["number"] == 2
    groups = {g["class_name"]: g for g in body["groups"]}
    a, b = groups["5А"], groups["5Б"]
    # 5А: s1 5 (final), s2 5 (suggested), s3 н/а, s4 осв; N = 3.
    assert (a["n5"], a["n4"], a["n3"], a["n2"], a["n_na"], a["n_exempt"]) == (2, 0, 0, 0, 1, 1)
    assert a["students_counted"] == 3
    assert a["progress_rate"] == 66.7
    assert a["quality_rate"] == 66.7
    assert a["learning_degree"] == 69.0  # (200 + 7) / 3
    assert a["mean_mark"] == 5.0
    assert a["from_finals"] == 2
    # 5Б: s5 3, s6 4 (all their marks of the quarter, the 5А ones too).
    assert (b["n5"], b["n4"], b["n3"], b["n2"]) == (0, 1, 1, 0)
    assert b["quality_rate"] == 50.0
    assert b["learning_degree"] == 50.0  # (64 + 36) / 2
    assert b["mean_mark"] == 3.5
    # The school adds up the counts: N = 5, n5 2, n4 1, n3 1, н/а 1.
    school_total = body["school"]
    assert school_total["students_counted"] == 5
    assert school_total["progress_rate"] == 80.0
    assert school_total["quality_rate"] == 60.0
    assert school_total["learning_degree"] == 61.4  # (200 + 64 + 36 + 7) / 5
    assert [p["grade"] for p in body["parallels"]] == [5]
    assert {c["class_name"] for c in body["classes"]} == {"5А", "5Б"}


async def test_the_year_counts_every_mark_of_the_year(
    client: httpx.AsyncClient, school: School
) -> None:
    ids = await a_quarter(school)
    response = await client.get(
        "/api/reporting/progress",
        params={"year_id": str(school.year_id), "class_id": str(ids["b"])},
        headers=school.token("director"),
    )
    assert response.status_code == 200, response.text
    [b] = response.json()["groups"]
    # No year finals: s5 (5 + 2 + 3) / 3 = 3.33 → 3; s6 (5 + 5 + 9) / 5 = 3.80 → 4.
    assert (b["n4"], b["n3"], b["from_finals"]) == (1, 1, 0)
    assert response.json()["period"]["kind"] == "year"


async def test_a_subject_teacher_sees_only_their_groups_and_no_roll_ups(
    client: httpx.AsyncClient, school: School
) -> None:
    ids = await a_quarter(school)
    headers = school.token("teacher", account_id=ids["teacher_a"])
    response = await client.get(
        "/api/reporting/progress", params={"period_id": str(school.period_id(2))}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [g["class_name"] for g in body["groups"]] == ["5А"]
    assert (body["classes"], body["parallels"], body["school"]) == ([], [], None)
    # Another teacher's class: refused.
    response = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(school.period_id(2)), "class_id": str(ids["b"])},
        headers=headers,
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_class_teacher_sees_the_class_whole(
    client: httpx.AsyncClient, school: School
) -> None:
    ids = await a_quarter(school)
    response = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(school.period_id(2))},
        headers=school.token("teacher", "class_teacher", account_id=ids["lead_a"]),
    )
    body = response.json()
    assert [c["class_name"] for c in body["classes"]] == ["5А"]
    assert body["classes"][0]["students_counted"] == 3


async def test_the_district_adds_up_its_schools_without_names(
    client: httpx.AsyncClient, school: School, other_school: School
) -> None:
    await a_quarter(school)
    await a_quarter(other_school)
    await other_school.deliver(other_school.registered("Школа № 2"))
    response = await client.get(
        "/api/reporting/district/progress",
        params={"year_name": "2026/2027", "kind": "quarter", "number": 2},
        headers=school.inspector_token(),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    mine = [s for s in body["schools"] if s["school_id"] in (str(school.id), str(other_school.id))]
    assert len(mine) == 2
    assert all(s["students_counted"] == 5 and s["quality_rate"] == 60.0 for s in mine)
    assert body["district"]["students_counted"] >= 10
    text = response.text
    assert "student" not in text.replace("students_counted", "")
    assert "class_name" not in text and "teacher" not in text
