"""Year end: closing an academic year (close.py), the manifest of what it holds
(manifest.py) and its streamed export to the archive (export.py)."""
