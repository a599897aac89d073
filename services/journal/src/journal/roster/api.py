"""Routes of the roster."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from starlette.datastructures import UploadFile
from starlette.types import Message

from journal.roster import enrollment, groups, imports, service
from journal.roster.models import GroupMembership, Guardian, SchoolClass, Student
from journal.roster.schemas import (
    ChangeList,
    ChangeOut,
    ClassCreate,
    ClassOut,
    ClassStudent,
    ClassStudentList,
    EnrollmentOut,
    GroupCreate,
    GroupList,
    GroupOut,
    GuardianCreate,
    GuardianOut,
    GuardianUpdate,
    ImportSummary,
    Leaving,
    LinkCreate,
    LinkedGuardian,
    MembershipCreate,
    MembershipOut,
    SchoolClassItem,
    SchoolClassList,
    StudentCard,
    StudentCreate,
    StudentOut,
    StudentUpdate,
    Transfer,
)
from shared.errors import PROBLEM_JSON, Problem
from shared.inputs import Day
from shared.openapi import PROBLEM_SCHEMA_REF, problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["roster"])

MAX_IMPORT_BYTES = 2 * 1024 * 1024  # a class list is a few kilobytes; a school's, < 1 MiB


def _student_out(student: Student, class_id: uuid.UUID) -> StudentOut:
    return StudentOut(
        student_id=student.id,
        class_id=class_id,
        last_name=student.last_name,
        first_name=student.first_name,
        middle_name=student.middle_name,
        birth_date=student.birth_date,
    )


def _guardian_out(guardian: Guardian, student_ids: list[uuid.UUID]) -> GuardianOut:
    return GuardianOut(
        guardian_id=guardian.id,
        last_name=guardian.last_name,
        first_name=guardian.first_name,
        middle_name=guardian.middle_name,
        phone=guardian.phone,
        email=guardian.email,
        address=guardian.address,
        student_ids=student_ids,
    )


def _class_list(
    class_id: uuid.UUID, students: Sequence[Student], with_birth_dates: bool
) -> ClassStudentList:
    return ClassStudentList(
        class_id=class_id,
        items=[
            ClassStudent(
                student_id=s.id,
                last_name=s.last_name,
                first_name=s.first_name,
                middle_name=s.middle_name,
                birth_date=s.birth_date if with_birth_dates else None,
            )
            for s in students
        ],
    )


def _membership_out(membership: GroupMembership) -> MembershipOut:
    return MembershipOut(
        membership_id=membership.id,
        group_id=membership.group_id,
        student_id=membership.student_id,
        starts_on=membership.starts_on,
        ends_on=membership.ends_on,
    )


def _class_out(school_class: SchoolClass) -> ClassOut:
    return ClassOut(
        class_id=school_class.id,
        name=school_class.name,
        grade=school_class.grade,
        class_teacher_id=school_class.class_teacher_id,
    )


@router.post("/classes", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def open_class(data: ClassCreate, session: Session, user: CurrentUser) -> ClassOut:
    """Open a class (deputy or director)."""
    return _class_out(await service.open_class(session, user, data))


@router.get("/classes")
async def school_classes(
    session: Session,
    user: CurrentUser,
    led_by_me: Annotated[
        bool, Query(description="Only the classes whose class teacher the caller is.")
    ] = False,
) -> SchoolClassList:
    """The school's classes with their class teacher and today's number of students: the
    administration and the school's teachers."""
    classes = await service.school_classes(session, user, led_by_me=led_by_me)
    return SchoolClassList(
        items=[
            SchoolClassItem(**_class_out(school_class).model_dump(), students=students)
            for school_class, students in classes
        ]
    )


@router.post("/students", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def enroll_student(data: StudentCreate, session: Session, user: CurrentUser) -> StudentOut:
    """Enroll a new student in a class from `starts_on` (today by default): the director,
    the deputy, or the class teacher of that class."""
    student, enrolled = await service.enroll_student(session, user, data)
    return _student_out(student, enrolled.class_id)


@router.get("/students/{student_id}", responses=problems(404))
async def student_card(student_id: uuid.UUID, session: Session, user: CurrentUser) -> StudentCard:
    """A student's details, enrollments and guardians (those who keep the student's
    class)."""
    student, enrollments, guardians = await service.student_card(session, user, student_id)
    current = next((e for e, _ in enrollments if e.left_at is None), None)
    return StudentCard(
        student_id=student.id,
        last_name=student.last_name,
        first_name=student.first_name,
        middle_name=student.middle_name,
        birth_date=student.birth_date,
        version=student.version,
        class_id=current.class_id if current else None,
        enrollments=[
            EnrollmentOut(
                enrollment_id=e.id,
                class_id=e.class_id,
                class_name=name,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                end_reason=e.end_reason,
            )
            for e, name in enrollments
        ],
        guardians=[
            LinkedGuardian(
                guardian_id=g.id,
                kind=link.kind,
                last_name=g.last_name,
                first_name=g.first_name,
                middle_name=g.middle_name,
                phone=g.phone,
                email=g.email,
                address=g.address,
            )
            for link, g in guardians
        ],
    )


@router.patch("/students/{student_id}", responses=problems(404))
async def update_student(
    student_id: uuid.UUID, data: StudentUpdate, session: Session, user: CurrentUser
) -> StudentOut:
    """Correct a student's details; every change is kept in the history."""
    student = await service.update_student(session, user, student_id, data)
    school_class = await service.class_of(session, student.id)
    assert school_class is not None  # the caller keeps it
    return _student_out(student, school_class.id)


@router.get("/students/{student_id}/history", responses=problems(404))
async def student_history(student_id: uuid.UUID, session: Session, user: CurrentUser) -> ChangeList:
    """Every change of a student's records, enrollments, groups and guardians, oldest
    first: who, when, old → new."""
    changes = await service.student_history(session, user, student_id)
    return ChangeList(
        items=[
            ChangeOut(
                subject=c.subject,
                subject_id=c.subject_id,
                field=c.field,
                old_value=c.old_value,
                new_value=c.new_value,
                changed_by=c.changed_by,
                changed_at=c.changed_at,
            )
            for c in changes
        ]
    )


@router.post("/students/{student_id}/transfer", responses=problems(404, 409))
async def transfer_student(
    student_id: uuid.UUID, data: Transfer, session: Session, user: CurrentUser
) -> StudentOut:
    """Move a student to another class from `on`; the old enrollment ends the day before
    (the administration, or a class teacher leading both classes)."""
    student, enrolled, _ = await enrollment.transfer(session, user, student_id, data)
    return _student_out(student, enrolled.class_id)


@router.post("/students/{student_id}/leave", responses=problems(404, 409))
async def leave_school(
    student_id: uuid.UUID, data: Leaving, session: Session, user: CurrentUser
) -> EnrollmentOut:
    """The student leaves the school after `last_day`."""
    ended = await enrollment.leave(session, user, student_id, data)
    school_class = await service.class_in_school(session, user.school_id, ended.class_id)
    return EnrollmentOut(
        enrollment_id=ended.id,
        class_id=ended.class_id,
        class_name=school_class.name,
        starts_on=ended.starts_on,
        ends_on=ended.ends_on,
        end_reason=ended.end_reason,
    )


@router.post("/guardians", status_code=status.HTTP_201_CREATED, responses=problems(404))
async def link_guardian(data: GuardianCreate, session: Session, user: CurrentUser) -> GuardianOut:
    """Record a parent and link them to their children as `kind` (mother, father,
    guardian): the administration, or the children's class teacher."""
    guardian = await service.link_guardian(session, user, data)
    return _guardian_out(guardian, data.student_ids)


@router.patch("/guardians/{guardian_id}", responses=problems(404))
async def update_guardian(
    guardian_id: uuid.UUID, data: GuardianUpdate, session: Session, user: CurrentUser
) -> GuardianOut:
    """Change a guardian's name or contact details (kept in the children's history)."""
    guardian = await service.update_guardian(session, user, guardian_id, data)
    return _guardian_out(guardian, await service.guardian_children(session, guardian.id))


@router.put("/guardians/{guardian_id}/students/{student_id}", responses=problems(404))
async def link_child(
    guardian_id: uuid.UUID,
    student_id: uuid.UUID,
    data: LinkCreate,
    session: Session,
    user: CurrentUser,
) -> GuardianOut:
    """Link a recorded guardian to a student (again), or change how they are related;
    200 either way, the same request twice changes nothing."""
    await service.link_child(session, user, guardian_id, student_id, data.kind)
    guardian = await session.get(Guardian, guardian_id)
    assert guardian is not None
    return _guardian_out(guardian, await service.guardian_children(session, guardian_id))


@router.delete(
    "/guardians/{guardian_id}/students/{student_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
)
async def unlink_child(
    guardian_id: uuid.UUID, student_id: uuid.UUID, session: Session, user: CurrentUser
) -> None:
    """The guardian is no longer linked to the student."""
    await service.unlink_child(session, user, guardian_id, student_id)


@router.get("/classes/{class_id}/students", responses=problems(404))
async def class_list(
    class_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    on: Annotated[Day | None, Query()] = None,
) -> ClassStudentList:
    """The students enrolled in the class on `on` (today by default): the administration,
    the class teacher, teachers of the class (without birth dates)."""
    students, with_birth_dates, _ = await service.class_list(session, user, class_id, on)
    return _class_list(class_id, students, with_birth_dates)


@router.post(
    "/classes/{class_id}/groups", status_code=status.HTTP_201_CREATED, responses=problems(404, 409)
)
async def open_group(
    class_id: uuid.UUID, data: GroupCreate, session: Session, user: CurrentUser
) -> GroupOut:
    """Open a group within a class (a language subgroup): who keeps the class."""
    group = await groups.open_group(session, user, class_id, data)
    return GroupOut(group_id=group.id, class_id=group.class_id, name=group.name)


@router.get("/classes/{class_id}/groups", responses=problems(404))
async def class_groups(class_id: uuid.UUID, session: Session, user: CurrentUser) -> GroupList:
    found = await groups.class_groups(session, user, class_id)
    return GroupList(
        items=[GroupOut(group_id=g.id, class_id=g.class_id, name=g.name) for g in found]
    )


@router.post(
    "/groups/{group_id}/members", status_code=status.HTTP_201_CREATED, responses=problems(404, 409)
)
async def add_member(
    group_id: uuid.UUID, data: MembershipCreate, session: Session, user: CurrentUser
) -> MembershipOut:
    """A student of the class joins the group from `starts_on`."""
    return _membership_out(await groups.add_member(session, user, group_id, data))


@router.post("/groups/{group_id}/members/{student_id}/leave", responses=problems(404, 409))
async def end_member(
    group_id: uuid.UUID, student_id: uuid.UUID, data: Leaving, session: Session, user: CurrentUser
) -> MembershipOut:
    """The student leaves the group after `last_day`."""
    return _membership_out(await groups.end_member(session, user, group_id, student_id, data))


@router.get("/groups/{group_id}/students", responses=problems(404))
async def group_list(
    group_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    on: Annotated[Day | None, Query()] = None,
) -> ClassStudentList:
    """The group's members on `on` (today by default), enrolled in its class that day."""
    group, students, with_birth_dates, _ = await groups.group_list(session, user, group_id, on)
    return _class_list(group.class_id, students, with_birth_dates)


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


async def _uploaded_file(request: Request) -> tuple[str, bytes]:
    """The `file` part of a multipart body, read to at most MAX_IMPORT_BYTES (413 beyond,
    whatever Content-Length claims)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the file as multipart/form-data, in a part named `file`.",
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES + 64 * 1024:  # the multipart framing around the file
            raise Problem(
                413,
                "file-too-large",
                "File too large",
                f"A class list is at most {MAX_IMPORT_BYTES // 1024} KiB.",
            )
        chunks.append(chunk)
    body = b"".join(chunks)

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, receive).form(max_files=1, max_fields=5)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(
                422, "missing-file", "Missing file", "The form needs a part named `file`."
            )
        content = await upload.read()
        if len(content) > MAX_IMPORT_BYTES:
            raise Problem(
                413,
                "file-too-large",
                "File too large",
                f"A class list is at most {MAX_IMPORT_BYTES // 1024} KiB.",
            )
        return upload.filename or "", content
    finally:
        await form.close()


@router.post(
    "/classes/{class_id}/import",
    responses={
        **problems(404, 409, 415),
        413: {
            "description": "The file is larger than 2 MiB",
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        },
    },
    openapi_extra=_UPLOAD_BODY,
)
async def import_class_list(
    class_id: uuid.UUID, request: Request, session: Session, user: CurrentUser
) -> ImportSummary:
    """Import a class list from a CSV or XLSX file (multipart part `file`, at most 2 MiB;
    columns in docs/architecture.md). Every bad row is named with its line in one 422;
    nothing is written unless the whole file is valid; the same file again changes
    nothing."""
    school_class = await imports.class_to_import_into(session, user, class_id)
    filename, content = await _uploaded_file(request)
    return await imports.import_class_list(session, user, school_class, filename, content)
