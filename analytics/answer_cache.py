"""Answers kept in the cache between requests: the dashboard scatter's JSON
(`pca_points`) and the start page's counts (`visible_counts`).

Each is a function of the centres the reader may read (`access.readable_center_ids`),
of its own parameters (the run, the language of the labels) and of the clinical records:
a patient moved to another centre, a renamed pseudonym, a visit moved to another patient
or deleted, a new flag all change them after a run was published. So the key holds the
scope, the parameters and a generation token of the records; every rewrite of the
patient summaries (which follows every clinical write, bulk writes included) sets a new
token once the writing transaction has committed, and the old answers are never read
again (they expire). Phenotype names are fixed at publish.

Only when the cache is shared by every web process (`CACHE_URL`, Redis): with each
process's own memory, a token set in one process would not reach the others.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from registry import access

GENERATION_KEY = "analytics:records-generation"
ANSWER_SECONDS = 24 * 3600


def enabled() -> bool:
    return bool(settings.CACHE_SHARED)


def records_changed() -> None:
    """A new generation of the clinical records, once the current transaction commits."""
    if enabled():
        # Robust: the write has committed; a cache that cannot be reached is logged, not
        # turned into an error page for it.
        transaction.on_commit(
            lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None), robust=True
        )


def _generation() -> str:
    return cache.get_or_set(GENERATION_KEY, lambda: uuid.uuid4().hex, None)


def answer_key(kind: str, *, user, parameters: str = "") -> str:
    """The cache key (also an ETag) of one reader's answer of this kind."""
    visible = access.readable_center_ids(user)
    scope = "all" if visible is None else ",".join(str(i) for i in sorted(visible))
    raw = f"{scope}|{parameters}|{_generation()}"
    return f"analytics:{kind}:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def kept(key: str, compute):
    """The answer kept under this key, computed (and kept) when there is none."""
    return cache.get_or_set(key, compute, ANSWER_SECONDS)


def answer(kind: str, *, user, compute, parameters: str = ""):
    """This reader's answer of this kind: kept in the shared cache when there is one,
    computed on every request otherwise."""
    if not enabled():
        return compute()
    return kept(answer_key(kind, user=user, parameters=parameters), compute)
