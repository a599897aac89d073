"""Lessons: a dated entry of an assignment with its topic and homework."""
