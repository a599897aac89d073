"""Attendance of lessons (Н, Б, П, ОП), the exceptions only, with an append-only history."""
