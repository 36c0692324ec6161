"""Signals the registry sends for other apps (the registry itself imports none of them)."""

from django.dispatch import Signal

# Sent once an import that changed any clinical record has committed; keyword
# arguments: report (ImportReport), user (or None).
records_imported = Signal()

# Sent at the end of a bulk write that bypasses per-row save signals (the demo seeding),
# inside its transaction; no arguments.
records_seeded = Signal()

# Sent by the write services when clinical values of visits changed (a visit, its gait
# sessions, the patient's scans or years); keyword argument visit_ids (list of ints).
# Receivers act once the transaction commits.
visits_changed = Signal()
