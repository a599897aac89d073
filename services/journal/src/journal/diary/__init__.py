"""The student diary: a read of lessons, homework and marks by day."""
