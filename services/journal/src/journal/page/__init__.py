"""The teacher's journal page: one assignment's students × lessons of one period."""
