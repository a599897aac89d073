"""The journal service: the school's class journal, roster, lessons, marks and diary."""
