"""Signals the registry sends for other apps (the registry itself imports none of them)."""

from django.dispatch import Signal

# Sent once an import that changed visits, gait sessions or MRI scans has committed;
# keyword arguments: report (ImportReport), user (or None).
records_imported = Signal()
