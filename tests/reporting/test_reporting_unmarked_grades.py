"""Classes taught without marks (безотметочное обучение, the first grade by default): not
short of marks in the journal control, not checked for marks or finals at the quarter's
end, left out of the progress and quality figures (and said so), their attendance kept.
Figures by hand."""

import uuid
from datetime import date

import httpx
from reporting_school import School

MATHS = uuid.uuid5(uuid.NAMESPACE_URL, "unmarked:maths")


async def first_and_fifth(
    school: School, unmarked: list[int] | None = None
) -> dict[str, uuid.UUID]:
    """1А (f1, f2) and 5А (s1, s2, s3) in maths, the school's minimum 2 marks.

    1А: f1 holds one stray mark 5 (given before the school's setting, say), f2 the final
    зч, f1 is ill at the lesson of 10 November. 5А: s1 5, 4 → 4.50 → 5; s2 3, 3 → 3; s3
    one mark 2 → н/а (below the minimum). Both plans hold a control work in November."""
    ids = {k: uuid.uuid4() for k in ("first", "fifth", "teacher", "lead")}
    ids |= {k: uuid.uuid4() for k in ("f1", "f2", "s1", "s2", "s3")}
    s = school
    first = s.assignment(teacher_id=ids["teacher"], class_id=ids["first"], subject_id=MATHS)
    fifth = s.assignment(teacher_id=ids["teacher"], class_id=ids["fifth"], subject_id=MATHS)
    ids["first_assignment"], ids["fifth_assignment"] = first.assignment_id, fifth.assignment_id
    lesson = s.lesson(first, date(2026, 11, 10), topic="Счёт до десяти", homework="—")
    events = [
        s.registered(),
        s.year(),
        s.grading(min_marks=2, unmarked=unmarked),
        s.class_opened(class_id=ids["first"], name="1А", grade=1, class_teacher_id=ids["lead"]),
        s.class_opened(class_id=ids["fifth"], name="5А", grade=5),
        first,
        fifth,
        *(s.enrolled(ids[k], ids["first"]) for k in ("f1", "f2")),
        *(s.enrolled(ids[k], ids["fifth"]) for k in ("s1", "s2", "s3")),
        s.plan(first, [("Сравнение чисел", date(2026, 11, 19), "control")]),
        s.plan(fifth, [("Дроби", date(2026, 11, 19), "control")]),
        lesson,
        s.absence(lesson, ids["f1"], "Б"),
        s.final(student_id=ids["f2"], class_id=ids["first"], subject_id=MATHS, value="зч"),
    ]

    def mark(student: str, klass: str, value: int, on: date) -> None:
        events.append(
            s.mark(
                class_id=ids[klass], subject_id=MATHS, student_id=ids[student], value=value, on=on
            )
        )

    mark("f1", "first", 5, date(2026, 11, 10))
    mark("s1", "fifth", 5, date(2026, 11, 10))
    mark("s1", "fifth", 4, date(2026, 11, 17))
    mark("s2", "fifth", 3, date(2026, 11, 10))
    mark("s2", "fifth", 3, date(2026, 11, 17))
    mark("s3", "fifth", 2, date(2026, 11, 10))
    await school.deliver_batch(events)  # type: ignore[arg-type]
    return ids


async def test_progress_leaves_the_first_grade_out_and_says_so(
    client: httpx.AsyncClient, school: School
) -> None:
    # An event published before the setting existed: journal's default, the first grade.
    await first_and_fifth(school)

    response = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(school.period_id(2))},
        headers=school.token("deputy"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unmarked_grades"] == [1]
    groups = {g["class_name"]: g for g in body["groups"]}
    first, fifth = groups["1А"], groups["5А"]
    assert first["marks_given"] is False
    assert (first["n5"], first["n_passed"], first["students_counted"], first["from_finals"]) == (
        0,
        0,
        0,
        0,
    )
    assert (first["progress_rate"], first["quality_rate"], first["mean_mark"]) == (None,) * 3
    # 5А: n5 1, n3 1, н/а 1; N = 3.
    assert fifth["marks_given"] is True
    assert (fifth["n5"], fifth["n4"], fifth["n3"], fifth["n_na"]) == (1, 0, 1, 1)
    assert fifth["progress_rate"] == 66.7  # 2 / 3
    assert fifth["quality_rate"] == 33.3  # 1 / 3
    assert fifth["learning_degree"] == 47.7  # (100 + 36 + 7) / 3
    assert fifth["mean_mark"] == 4.0  # (5 + 3) / 2
    classes = {c["class_name"]: c for c in body["classes"]}
    assert classes["1А"]["marks_given"] is False and classes["1А"]["students_counted"] == 0
    # The roll-ups hold 5А only: no first-grade parallel, the school as 5А.
    assert [p["grade"] for p in body["parallels"]] == [5]
    assert body["school"]["students_counted"] == 3
    assert body["school"]["learning_degree"] == 47.7


async def test_the_district_leaves_out_what_each_school_teaches_without_marks(
    client: httpx.AsyncClient, school: School, other_school: School
) -> None:
    await first_and_fifth(school)
    await first_and_fifth(other_school, unmarked=[])  # this one gives marks from the first
    await other_school.deliver(other_school.registered("Школа № 2"))

    response = await client.get(
        "/api/reporting/district/progress",
        params={"year_name": "2026/2027", "kind": "quarter", "number": 2},
        headers=school.inspector_token(),
    )

    assert response.status_code == 200, response.text
    by_school = {s["school_id"]: s for s in response.json()["schools"]}
    assert by_school[str(school.id)]["students_counted"] == 3
    # The other school counts 1А too: f1 one mark → н/а (N + 1), f2 зч (not in N).
    other = by_school[str(other_school.id)]
    assert (other["students_counted"], other["n_na"], other["n_passed"]) == (4, 2, 1)


async def test_a_school_giving_marks_in_the_first_grade_counts_it(
    client: httpx.AsyncClient, school: School
) -> None:
    ids = await first_and_fifth(school, unmarked=[])

    progress = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(school.period_id(2))},
        headers=school.token("director"),
    )
    control = await client.get(
        "/api/reporting/journal-control",
        params={"month": "2026-11", "class_id": str(ids["first"])},
        headers=school.token("deputy"),
    )

    body = progress.json()
    assert body["unmarked_grades"] == []
    assert [p["grade"] for p in body["parallels"]] == [1, 5]
    first = next(g for g in body["groups"] if g["class_name"] == "1А")
    assert (first["marks_given"], first["n_na"], first["n_passed"]) == (True, 1, 1)
    [row] = control.json()["assignments"]
    assert row["marks_given"] is True
    assert sorted(row["students_below_minimum"]) == sorted([str(ids["f1"]), str(ids["f2"])])


async def test_the_journal_control_finds_nobody_short_of_marks_in_the_first_grade(
    client: httpx.AsyncClient, school: School
) -> None:
    ids = await first_and_fifth(school)

    response = await client.get(
        "/api/reporting/journal-control",
        params={"month": "2026-11"},
        headers=school.token("deputy"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["min_marks"], body["unmarked_grades"]) == (2, [1])
    rows = {row["class_name"]: row for row in body["assignments"]}
    assert rows["1А"]["marks_given"] is False
    assert rows["1А"]["students_below_minimum"] == []
    assert rows["1А"]["lessons_held"] == 1  # the journal itself is still controlled
    assert rows["5А"]["marks_given"] is True
    assert rows["5А"]["students_below_minimum"] == [str(ids["s3"])]  # one mark of 2


async def test_the_quarter_check_does_not_check_marks_of_the_first_grade(
    client: httpx.AsyncClient, school: School
) -> None:
    await first_and_fifth(school)

    response = await client.get(
        "/api/reporting/quarter-check",
        params={"period_id": str(school.period_id(2))},
        headers=school.token("deputy"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unmarked_grades"] == [1]
    rows = {row["class_name"]: row for row in body["assignments"]}
    first, fifth = rows["1А"], rows["5А"]
    assert first["marks_given"] is False
    assert (first["finals"], first["students_below_minimum"]) == ([], [])
    # The plan is still checked; the control work (known by its marks) is not.
    assert first["control_works_planned"] == 1
    assert [f["code"] for f in first["findings"]] == ["plan-topics-not-covered"]
    assert fifth["marks_given"] is True
    assert [f["code"] for f in fifth["findings"]] == [
        "plan-topics-not-covered",
        "control-works-missing",
        "too-few-marks",
        "finals-missing",
    ]
    assert [(f["final"], f["suggested"]) for f in fifth["finals"]].count((None, 5)) == 1


async def test_the_first_grades_attendance_is_kept(
    client: httpx.AsyncClient, school: School
) -> None:
    ids = await first_and_fifth(school)

    response = await client.get(
        "/api/reporting/attendance",
        params={"period_id": str(school.period_id(2)), "class_id": str(ids["first"])},
        headers=school.token("class_teacher", "teacher", account_id=ids["lead"]),
    )

    assert response.status_code == 200, response.text
    [klass] = response.json()["classes"]
    # One lesson held, two students → 2 student-lessons; f1 ill once → 50 %.
    assert (klass["lessons_held"], klass["student_lessons"], klass["Б"]) == (1, 2, 1)
    assert klass["missed_share"] == 50.0


async def test_the_periods_name_the_levels_without_marks(
    client: httpx.AsyncClient, school: School
) -> None:
    await first_and_fifth(school, unmarked=[1, 2])

    response = await client.get("/api/reporting/periods", headers=school.token("deputy"))

    assert response.status_code == 200, response.text
    assert response.json()["unmarked_grades"] == [1, 2]


async def test_a_school_reporting_never_heard_of_keeps_the_first_grade_without_marks(
    client: httpx.AsyncClient, school: School
) -> None:
    await school.deliver(school.registered())

    response = await client.get("/api/reporting/periods", headers=school.token("deputy"))

    assert response.json()["unmarked_grades"] == [1]


async def test_the_progress_file_names_the_classes_left_out(
    client: httpx.AsyncClient, school: School
) -> None:
    await first_and_fifth(school)

    response = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(school.period_id(2)), "format": "csv"},
        headers=school.token("deputy"),
    )

    assert response.status_code == 200, response.text
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1].endswith('; без отметок, не учитываются: 1А"')
    rows = [line for line in lines if line.startswith(("1А", "5А"))]
    assert rows and all(line.startswith("5А") for line in rows)
