"""The roster: classes, their students and the students' guardians."""
