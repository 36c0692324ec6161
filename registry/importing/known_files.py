"""Recognising a re-import of unchanged files before any row is checked.

After an import commits, each file's SHA-256 is kept with the registry's state (the
highest audit-history id of every clinical table; see `ImportedFile`). When the same
files come again, for the same centres, and the state has not moved, every row would be
found unchanged: the import reports that from the file's row count, in the time it
takes to hash the files, instead of validating and comparing each row.

The state is read inside the import's transaction (after its commit on SQLite); a write
by another door that commits in the same instant with a lower history id than the
import's last one can go unnoticed by the next re-import of the very same files, which
then reports its rows unchanged instead of writing the file's values over that edit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from registry.models import Center, GaitSession, ImportedFile, MriScan, Patient, Visit

TRACKED = (Center, Patient, Visit, GaitSession, MriScan)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def registry_state() -> dict[str, int]:
    """The highest history id of each clinical table (0 when it has none): one index
    lookup per table."""
    state = {}
    for model in TRACKED:
        last = model.history.order_by("-history_id").values_list("history_id", flat=True)
        state[model._meta.model_name] = int(last.first() or 0)
    return state


def scope_key(allowed_centers) -> str:
    return "" if allowed_centers is None else ",".join(sorted(allowed_centers))


def unchanged_files(hashes: dict[str, str], allowed_centers) -> bool:
    """Whether every file (kind -> hash) is the last one imported for its kind, for the
    same centres, with no write to the registry since."""
    scope = scope_key(allowed_centers)
    known = {f.kind: f for f in ImportedFile.objects.filter(kind__in=list(hashes), scope=scope)}
    if set(known) != set(hashes) or any(known[k].sha256 != h for k, h in hashes.items()):
        return False
    state = registry_state()
    return all(f.state == state for f in known.values())


def imported_files_record(hashes: dict[str, str], rows: dict[str, int], allowed_centers) -> None:
    """Remember these files with the state after their import (call inside the import's
    transaction, after its writes, so the record commits with them)."""
    scope = scope_key(allowed_centers)
    state = registry_state()
    for kind, sha in hashes.items():
        ImportedFile.objects.update_or_create(
            kind=kind, scope=scope, defaults={"sha256": sha, "rows": rows[kind], "state": state}
        )
