"""The school as journal knows it: its record, staff (from auth) and work types."""
