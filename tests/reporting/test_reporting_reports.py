"""Every report over the same hand-made quarter (report_world.py), figures by hand."""

import httpx
from report_world import MATHS, RUSSIAN, World, world
from reporting_school import School


async def delivered(school: School) -> World:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    return w


async def test_the_report_card_of_a_student(client: httpx.AsyncClient, school: School) -> None:
    w = await delivered(school)
    s1 = w.students[1]
    response = await client.get(
        f"/api/reporting/students/{s1}/report-card",
        params={"period_id": str(w.period)},
        headers=school.token("student", person_id=s1),
    )
    assert response.status_code == 200, response.text
    [maths] = response.json()["subjects"]
    assert maths["subject_id"] == str(MATHS)
    assert [(m["value"], m["weight"]) for m in maths["marks"]] == [(4, 1), (3, 3)]
    assert maths["weighted_average"] == 3.25
    assert maths["suggested"] == 3
    assert maths["final"] == "3"
    assert maths["absences"] == {"Б": 1, "Н": 1}
    assert maths["lessons_missed"] == 2


async def test_attendance_by_reason_with_the_share_missed(
    client: httpx.AsyncClient, school: School
) -> None:
    w = await delivered(school)
    response = await client.get(
        "/api/reporting/attendance",
        params={"period_id": str(w.period), "class_id": str(w.a)},
        headers=school.token("class_teacher", "teacher", account_id=w.lead_a),
    )
    assert response.status_code == 200, response.text
    [klass] = response.json()["classes"]
    # 4 lessons held in 5А (3 maths not cancelled + 1 Russian); 3 students → 12.
    assert klass["lessons_held"] == 4
    assert klass["student_lessons"] == 12
    assert (klass["Н"], klass["Б"], klass["П"], klass["ОП"]) == (1, 1, 0, 1)
    assert klass["missed"] == 2  # late is not missed; the cleared absence is gone
    assert klass["missed_share"] == 16.7
    by_student = {row["student_id"]: row for row in klass["students"]}
    assert by_student[str(w.students[1])]["missed_share"] == 50.0
    assert by_student[str(w.students[0])]["missed"] == 0


async def test_the_monthly_journal_control(client: httpx.AsyncClient, school: School) -> None:
    w = await delivered(school)
    assert w.maths_a is not None
    response = await client.get(
        "/api/reporting/journal-control",
        params={"month": "2026-11", "class_id": str(w.a)},
        headers=school.token("deputy"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["late_entry_days"] == 7
    rows = {row["subject_id"]: row for row in body["assignments"]}
    maths = rows[str(MATHS)]
    assert maths["lessons_held"] == 3
    assert maths["dates_without_topic"] == ["2026-11-26"]
    assert maths["dates_without_homework"] == ["2026-11-12", "2026-11-26"]
    assert maths["late_marks"] == 1
    # s2 has one maths mark, the minimum is 2.
    assert maths["students_below_minimum"] == [str(w.students[2])]
    assert maths["last_entry_at"].startswith("2026-11-26")
    russian = rows[str(RUSSIAN)]
    assert (russian["lessons_held"], russian["late_marks"]) == (1, 0)
    assert russian["lessons_without_topic"] == 0
    # s1 and s2 have no Russian marks.
    assert sorted(russian["students_below_minimum"]) == sorted(str(s) for s in w.students[1:])


async def test_the_quarter_end_check(client: httpx.AsyncClient, school: School) -> None:
    w = await delivered(school)
    assert w.maths_a is not None
    response = await client.get(
        "/api/reporting/quarter-check",
        params={"period_id": str(w.period), "assignment_id": str(w.maths_a.assignment_id)},
        headers=school.token("teacher", account_id=w.maths_teacher),
    )
    assert response.status_code == 200, response.text
    [maths] = response.json()["assignments"]
    assert maths["lessons_held"] == 3
    assert maths["lessons_cancelled"] == 1
    assert maths["curriculum_lessons"] == 8
    # Three topics due in the quarter (the October one is not), two covered.
    assert (maths["plan_topics_due"], maths["plan_topics_covered"]) == (3, 2)
    assert [t["topic"] for t in maths["plan_topics_uncovered"]] == ["Контрольная работа"]
    # The control work planned for the 19th was given on the 26th.
    assert (maths["control_works_planned"], maths["control_works_held"]) == (1, 1)
    finals = {f["student_id"]: f for f in maths["finals"]}
    s0, s1, s2 = (str(s) for s in w.students)
    assert finals[s0] == {
        "student_id": s0, "final": "4", "weighted_average": 5.0, "suggested": 5, "differs": True
    }  # fmt: skip
    assert finals[s1]["differs"] is False
    assert finals[s2]["final"] is None
    codes = [f["code"] for f in maths["findings"]]
    assert codes == [
        "lessons-behind-curriculum",
        "plan-topics-not-covered",
        "lessons-without-topic",
        "lessons-without-homework",
        "too-few-marks",
        "finals-differ-from-average",
        "finals-missing",
    ]


async def test_the_weekly_activity(client: httpx.AsyncClient, school: School) -> None:
    w = await delivered(school)
    response = await client.get(
        "/api/reporting/activity", params={"week": "2026-11-25"}, headers=school.token("director")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["week_starts_on"] == "2026-11-23"
    days = {d["on"]: d["sign_ins_by_role"] for d in body["days"]}
    assert days["2026-11-23"] == {"deputy": 1, "parent": 1}
    assert days["2026-11-24"] == {"parent": 1}
    assert body["unique_sign_ins_by_role"] == {"deputy": 1, "parent": 1}
    assert body["actions"]["marks_entered"] == 1
    assert body["actions"]["lessons_filled"] == 0
    assert body["actions"]["messages_sent"] == 1
    assert body["actions"]["diary_views"] is None
    assert body["waiting"] == ["diary_views"]
    assert [s["account_id"] for s in body["staff_without_entries"]] == [str(w.russian_teacher)]
