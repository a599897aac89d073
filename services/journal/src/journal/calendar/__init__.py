"""The school calendar: academic years, their periods (quarters, halves) and holidays."""
