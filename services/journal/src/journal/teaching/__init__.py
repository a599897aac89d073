"""Subjects and teaching assignments (who teaches what in which class)."""
