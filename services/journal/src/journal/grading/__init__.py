"""The school's grading settings and the arithmetic of marks (averages, suggested marks)."""
