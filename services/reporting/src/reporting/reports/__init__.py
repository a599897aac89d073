"""The reports, one module each, built on the projections; reports/context.py holds what
they share (periods, enrollment spells, settings, who may see what)."""
