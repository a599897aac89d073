"""Teachers' remarks about a student: замечания and благодарности, shown to the family."""
