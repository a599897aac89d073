"""A report as tables (sheets.py) and the tables as CSV, XLSX and PDF."""
