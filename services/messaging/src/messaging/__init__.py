"""Messaging: notifications to students and parents (mail, threads and email come later)."""
