"""Reporting: projections of the other services' events, and the reports built on them."""
