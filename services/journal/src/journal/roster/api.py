"""Routes of the roster."""

import uuid

from fastapi import APIRouter, status

from journal.roster import service
from journal.roster.schemas import (
    ClassCreate,
    ClassOut,
    ClassStudent,
    ClassStudentList,
    GuardianCreate,
    GuardianOut,
    StudentCreate,
    StudentOut,
)
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["roster"])


@router.post("/classes", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def open_class(data: ClassCreate, session: Session, user: CurrentUser) -> ClassOut:
    """Open a class (deputy or director)."""
    school_class = await service.open_class(session, user, data)
    return ClassOut(
        class_id=school_class.id,
        name=school_class.name,
        grade=school_class.grade,
        class_teacher_id=school_class.class_teacher_id,
    )


@router.post("/students", status_code=status.HTTP_201_CREATED, responses=problems(404))
async def enroll_student(data: StudentCreate, session: Session, user: CurrentUser) -> StudentOut:
    """Enroll a new student in a class (deputy, or the class teacher of that class)."""
    student, enrollment = await service.enroll_student(session, user, data)
    return StudentOut(
        student_id=student.id,
        class_id=enrollment.class_id,
        last_name=student.last_name,
        first_name=student.first_name,
        middle_name=student.middle_name,
        birth_date=student.birth_date,
    )


@router.post("/guardians", status_code=status.HTTP_201_CREATED, responses=problems(404))
async def link_guardian(data: GuardianCreate, session: Session, user: CurrentUser) -> GuardianOut:
    """Record a parent and link them to their children (deputy, or the children's class
    teacher)."""
    guardian = await service.link_guardian(session, user, data)
    return GuardianOut(
        guardian_id=guardian.id,
        last_name=guardian.last_name,
        first_name=guardian.first_name,
        middle_name=guardian.middle_name,
        phone=guardian.phone,
        email=guardian.email,
        student_ids=data.student_ids,
    )


@router.get("/classes/{class_id}/students")
async def class_list(class_id: uuid.UUID, session: Session, user: CurrentUser) -> ClassStudentList:
    """The class list (administration, the class teacher, teachers of the class)."""
    students, with_birth_dates = await service.class_list(session, user, class_id)
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
