"""Marks (1–5 for now) with their append-only change history."""
