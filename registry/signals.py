"""Signals the registry sends for other apps (the registry itself imports none of them)."""

from django.dispatch import Signal

# Sent once an import that changed any clinical record has committed; keyword
# arguments: report (ImportReport), user (or None).
records_imported = Signal()

# Sent at the end of a bulk write that bypasses per-row save signals (the demo seeding),
# inside its transaction; no arguments.
records_seeded = Signal()
