"""Reporting's projections: tables (tables.py), what each event writes (registry.py), and
the rebuild from the log (rebuild.py)."""
