"""Scheduled reports: snapshots stored with their parameters, and the events that tell
messaging to deliver them (schedules/produce.py; `python -m reporting schedule`)."""
