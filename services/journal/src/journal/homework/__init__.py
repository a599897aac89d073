"""Homework of a lesson: its text, due date and attached files."""
