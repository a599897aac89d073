"""Final marks (итоговые отметки): a student's mark of a subject for a period or the year."""
