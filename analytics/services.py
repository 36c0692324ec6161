"""Writes of the analytics app: requesting, claiming, computing and publishing a
clustering run, and provisional assignment of new visits between runs.

Concurrency is guarded by the database, not the broker: a run is claimed with a
conditional UPDATE (pending -> running) and a partial unique constraint allows only
one running run. The maths runs outside any transaction; all result rows and the
status flip are published in one transaction, so readers never see half a run and a
failure leaves the previous results current.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import struct
import time
import traceback

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from analytics.engine import (
    ALGORITHM_VERSION,
    PipelineConfig,
    PipelineResult,
    PreviousModel,
    defaults,
    run_pipeline,
)
from analytics.engine.model import FittedModel, assign, project
from analytics.features import cohort_frame
from analytics.models import (
    ClusteringRun,
    ComparisonResult,
    Phenotype,
    PhenotypeAssignment,
    RunStatus,
)
from analytics.results import comparison_rows, phenotype_rows, run_result_fields
from registry import leases
from registry.rules import MRI_WINDOW_DAYS

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MIN_PATIENTS = 20


class RunRefused(Exception):
    """A run could not start for a reason the user should read (not a crash)."""


def clustering_run_create(
    *,
    trigger: str,
    user=None,
    k: int | None = defaults.K,
    feature_set: str = "gait",
    visit_choice: str = "latest",
    seed: int = defaults.SEED,
    pca_variance: float = defaults.PCA_VARIANCE,
    bootstrap: int = defaults.BOOTSTRAP,
    missing: str = defaults.MISSING,
    mri_window_days: int = MRI_WINDOW_DAYS,
    k_scan: str = "full",
) -> ClusteringRun:
    run = ClusteringRun(
        trigger=trigger,
        triggered_by=user if getattr(user, "is_authenticated", False) else None,
        k_requested=k,
        feature_set=feature_set,
        visit_choice=visit_choice,
        seed=seed,
        pca_variance=pca_variance,
        bootstrap=bootstrap,
        missing=missing,
        mri_window_days=mri_window_days,
        k_scan=k_scan,
        algorithm_version=ALGORITHM_VERSION,
    )
    run.full_clean()
    run.save()
    return run


def clustering_run_request(*, sync: bool = False, **params) -> ClusteringRun:
    """Create a pending run and hand it to a worker once the transaction commits
    (or compute it here and now with sync=True)."""
    run = clustering_run_create(**params)
    if sync:
        return clustering_run_execute(run_id=run.pk, worker="sync")
    transaction.on_commit(lambda: _queue(run.pk))
    return run


def queue_unreachable_message() -> str:
    return gettext("The worker queue is unreachable, nothing was queued.")


def _queue(run_id: int) -> None:
    """Hand a pending run to the broker; if the broker cannot be reached, the run is
    recorded as failed (saying why) instead of staying pending forever."""
    from analytics.tasks import recluster_cohort

    try:
        recluster_cohort.delay(run_id=run_id)
    except Exception:
        log.exception("could not queue clustering run %s", run_id)
        ClusteringRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=queue_unreachable_message()
        )


def clustering_runs_fail_lost() -> list[int]:
    """Fail runs whose worker stopped renewing their lease; the previous results stay."""
    return leases.leases_fail_expired(ClusteringRun)


def _claim(run_id: int, worker: str) -> str:
    """The lease token of the claimed run, or "" (another delivery has it, or another
    run is running and this one is recorded as skipped)."""
    try:
        with transaction.atomic():
            token = leases.lease_claim(
                ClusteringRun, run_id, from_status=RunStatus.PENDING, worker=worker
            )
    except IntegrityError:
        other = ClusteringRun.objects.filter(status=RunStatus.RUNNING).first()
        ClusteringRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
            status=RunStatus.SKIPPED,
            finished_at=timezone.now(),
            skipped_reason=(
                f"Run {other.pk if other else '?'} was already running; "
                "only one reanalysis runs at a time."
            ),
        )
        return ""
    return token


def _finish(run_id: int, token: str, **fields) -> None:
    ClusteringRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, lease_token=token).update(
        finished_at=timezone.now(), lease_expires_at=None, **fields
    )


def _config(run: ClusteringRun) -> PipelineConfig:
    return PipelineConfig(
        feature_set=run.feature_set,
        k=run.k_requested if run.k_requested is not None else "auto",
        seed=run.seed,
        pca_variance=run.pca_variance,
        bootstrap=run.bootstrap,
        missing=run.missing,
        k_scan=run.k_scan,
        jobs=settings.ANALYTICS_JOBS,
        threads=settings.ANALYTICS_THREADS,
    )


def _fingerprint(run: ClusteringRun, engine_fingerprint: str) -> str:
    params = {
        "input": engine_fingerprint,
        "feature_set": run.feature_set,
        "visit_choice": run.visit_choice,
        "k": run.k_requested,
        "seed": run.seed,
        "pca_variance": run.pca_variance,
        "bootstrap": run.bootstrap,
        "missing": run.missing,
        "mri_window_days": run.mri_window_days,
        "k_scan": run.k_scan,
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def _previous_model(run: ClusteringRun | None) -> PreviousModel | None:
    if run is None:
        return None
    return PreviousModel(
        centroids={p.stable_id: p.centroid for p in run.phenotypes.all()},
    )


def clustering_run_execute(*, run_id: int, worker: str = "") -> ClusteringRun:
    """Claim a pending run (failing lost ones first), compute it while a heartbeat renews
    its lease, and publish it only if the lease is still held."""
    clustering_runs_fail_lost()
    token = _claim(run_id, worker)
    if not token:
        return ClusteringRun.objects.get(pk=run_id)
    with leases.Heartbeat(ClusteringRun, run_id, token):
        _compute(run_id, token)
    return ClusteringRun.objects.get(pk=run_id)


def _compute(run_id: int, token: str) -> None:
    run = ClusteringRun.objects.get(pk=run_id)
    try:
        timings = {}
        started = time.perf_counter()
        cohort = cohort_frame(visit_choice=run.visit_choice, mri_window_days=run.mri_window_days)
        timings["read"] = round(time.perf_counter() - started, 3)
        config = _config(run)
        started = time.perf_counter()
        fingerprint = _fingerprint(run, _engine_fingerprint(cohort.frame, config))
        timings["fingerprint"] = round(time.perf_counter() - started, 3)
        last = ClusteringRun.objects.current()
        if (
            last is not None
            and last.input_fingerprint == fingerprint
            and last.algorithm_version == ALGORITHM_VERSION
        ):
            _finish(
                run_id,
                token,
                status=RunStatus.SKIPPED,
                input_fingerprint=fingerprint,
                n_input=len(cohort.frame),
                skipped_reason=f"Input and algorithm unchanged since run {last.pk}; "
                "its phenotypes stay current.",
                timings=timings,
            )
            return
        if len(cohort.frame) < MIN_PATIENTS:
            raise RunRefused(
                f"Only {len(cohort.frame)} patients have a comfortable-speed gait session; "
                f"at least {MIN_PATIENTS} are needed to find phenotypes."
            )
        result = run_pipeline(cohort.frame, config=config, previous=_previous_model(last))
        timings.update(result.timings)
        _publish(run, token, cohort, result, fingerprint, timings)
    except TRANSIENT_ERRORS:
        # Give the run back so the task's retry can claim it again.
        ClusteringRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, lease_token=token).update(
            status=RunStatus.PENDING, **leases.lease_release_fields()
        )
        raise
    except leases.LeaseLost:
        log.warning("clustering run %s was failed as lost; its results are dropped", run_id)
    except Exception as exc:
        log.exception("clustering run %s failed", run_id)
        detail = str(exc) if isinstance(exc, RunRefused) else traceback.format_exc(limit=8)
        _finish(
            run_id, token, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}\n\n{detail}"
        )


def _engine_fingerprint(frame, config) -> str:
    from analytics.engine import feature_columns, fingerprint

    return fingerprint(frame, feature_columns(config.feature_set))


@transaction.atomic
def _publish(
    run: ClusteringRun,
    token: str,
    cohort,
    result: PipelineResult,
    fingerprint: str,
    timings: dict,
) -> None:
    """Write every result row and flip the run to succeeded in one transaction: until it
    commits, readers keep seeing the previous run as current."""
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # What the labels' check takes anyway for a bulk write (migration 0017), taken
        # first, before the run row: no visit is deleted or moved to another patient
        # until the commit (saving a visit waits for the publish, about a second at
        # 100,000 patients); other writes and every read go on.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE registry_visit IN SHARE MODE")
    # Locks the run row until the commit: a sweep cannot fail it half-way, and a run
    # already failed as lost publishes nothing.
    leases.lease_fence(ClusteringRun, run.pk, token)
    phenotypes = phenotype_rows(run, result)
    Phenotype.objects.bulk_create(phenotypes.values())
    used = cohort.frame.loc[result.rows]
    scores = project(result.model, used) if len(used) else np.empty((0, 2))
    phenotype_pks = {stable_id: p.pk for stable_id, p in phenotypes.items()}
    patients = used["patient_pk"].to_numpy(dtype="int64")
    labels = pd.DataFrame(
        {
            "run_id": run.pk,
            "phenotype_id": np.array(
                [phenotype_pks[label] for label in result.labels], dtype="int64"
            ),
            "patient_id": patients,
            "visit_id": used["visit_id"].to_numpy(dtype="int64"),
            "distance": np.asarray(result.distances, dtype="float64"),
            "pc1": scores[:, 0] if scores.shape[1] > 0 else np.nan,
            "pc2": scores[:, 1] if scores.shape[1] > 1 else np.nan,
            "provisional": False,
            "latest": _latest_rows(used),
            "created_at": timezone.now(),
        }
    )
    gone = _labels_write(labels, used)
    ComparisonResult.objects.bulk_create(comparison_rows(run, result))
    fields = run_result_fields(result)
    ClusteringRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        lease_expires_at=None,
        input_fingerprint=fingerprint,
        exclusions={
            **result.exclusions,
            "without_mri_in_window": cohort.n_without_mri,
            **({"visits_gone_before_publish": gone} if gone else {}),
        },
        **fields,
    )
    timings["publish"] = round(time.perf_counter() - started, 3)
    ClusteringRun.objects.filter(pk=run.pk).update(timings=timings)


def _labels_write(labels: pd.DataFrame, used: pd.DataFrame) -> int:
    """Write the run's labels; a visit deleted or moved to another patient since the
    cohort was read is left out. How many were left out.

    On PostgreSQL the labels' check refuses such a row, and only then are the rows
    sorted out (nothing is read for the usual case); elsewhere they are sorted out
    first. Either way the transaction holds the visit table (SHARE lock, SQLite's write
    lock) by then, so what is read stays so until the commit. A row refused for another
    reason is refused again, and the run fails with it."""
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                assignments_write(labels)
            return 0
        except IntegrityError:
            pass
    from registry.models import Visit

    patient_of = dict(Visit.objects.values_list("id", "patient_id"))
    keep = (labels["visit_id"].map(patient_of) == labels["patient_id"]).to_numpy()
    if not keep.all():
        labels = labels[keep].assign(latest=_latest_rows(used[keep]))
    assignments_write(labels)
    return int((~keep).sum())


def _latest_rows(used: pd.DataFrame) -> np.ndarray:
    """Each patient's label at their latest analysed visit is their current phenotype:
    True on that row, in the rows' order."""
    patients = used["patient_pk"].to_numpy(dtype="int64")
    if not pd.Series(patients).duplicated().any():  # one row per patient
        return np.ones(len(used), dtype=bool)
    by_date = used.sort_values(["patient_pk", "visit_date"], kind="stable")
    return (~by_date["patient_pk"].duplicated(keep="last")).reindex(used.index).to_numpy(bool)


def assignments_write(frame: pd.DataFrame) -> None:
    """Insert assignment rows (columns named as the table's) with COPY on PostgreSQL, in
    the caller's transaction; through the ORM elsewhere."""
    if frame.empty:
        return
    if connection.vendor == "postgresql":
        table = PhenotypeAssignment._meta.db_table
        # COPY is the driver's own call, not Django's: its errors are made Django's here
        # (a refused label is an IntegrityError, as from the ORM).
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if not _copy_binary(cursor, table, frame):
                buffer = io.StringIO()
                frame.to_csv(buffer, index=False, header=False, na_rep="")
                buffer.seek(0)
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)",
                    buffer,
                )
            # Fresh statistics for the planner, committed with the rows: without them it
            # takes a new run's labels for a handful and picks nested loops over them.
            cursor.execute(f"ANALYZE {table}")
        return
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    PhenotypeAssignment.objects.bulk_create(
        (PhenotypeAssignment(**row) for row in rows), batch_size=2000
    )


# PostgreSQL's binary COPY: a signature, flags and header extension length, then per
# row a field count and (length, big-endian value) per field, then -1.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970-01-01


def _copy_binary(cursor, table: str, frame: pd.DataFrame) -> bool:
    """COPY the frame in PostgreSQL's binary format, built as one numpy record array
    (no per-row Python, no number formatting): int64 to bigint, float64 to double
    precision, bool to boolean, UTC timestamps to timestamptz. A float column that is
    missing throughout is left out (NULL). False, and nothing written, for anything
    else (a column with some missing values, another type)."""
    columns, fields, values = [], [("n", ">i2")], []
    for name in frame.columns:
        column = frame[name]
        kind = column.dtype.kind
        if kind == "f" and column.isna().all():
            continue
        if kind == "f" and column.isna().any():
            return False
        if kind == "M":
            stamps = column.dt.tz_convert("UTC") if column.dt.tz is not None else None
            if stamps is None:
                return False
            micros = stamps.dt.tz_localize(None).to_numpy("datetime64[us]").astype("int64")
            data, form = micros - _PG_EPOCH_US, ">i8"
        elif kind in "iu":
            data, form = column.to_numpy(dtype="int64"), ">i8"
        elif kind == "f":
            data, form = column.to_numpy(dtype="float64"), ">f8"
        elif kind == "b":
            data, form = column.to_numpy(dtype=bool), "?"
        else:
            return False
        position = len(columns)
        fields += [(f"size{position}", ">i4"), (f"value{position}", form)]
        columns.append(name)
        values.append((position, data, np.dtype(form).itemsize))
    records = np.empty(len(frame), dtype=np.dtype(fields))
    records["n"] = len(columns)
    for position, data, size in values:
        records[f"size{position}"] = size
        records[f"value{position}"] = data
    payload = io.BytesIO(_COPY_SIGNATURE + records.tobytes() + _COPY_TRAILER)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)", payload
    )
    return True


def visit_assign_provisional(*, visit_id: int) -> PhenotypeAssignment | None:
    """Place a visit saved after the current run on that run's model, marked provisional
    until the next run includes it."""
    run = ClusteringRun.objects.current()
    if run is None or run.model is None:
        return None
    if PhenotypeAssignment.objects.filter(run=run, visit_id=visit_id, provisional=False).exists():
        return None
    from registry.models import Visit

    visit = Visit.objects.filter(pk=visit_id).only("patient_id").first()
    if visit is None:
        return None
    cohort = cohort_frame(
        visit_choice="all", mri_window_days=run.mri_window_days, patient_ids=[visit.patient_id]
    )
    rows = cohort.frame[cohort.frame["visit_id"] == visit_id]
    if rows.empty:
        return None
    model = FittedModel.from_dict(run.model)
    ids, distances = assign(model, rows)
    if ids[0] is None:
        return None
    scores = project(model, rows)[0]
    phenotype = run.phenotypes.get(stable_id=int(ids[0]))
    assignment, _ = PhenotypeAssignment.objects.update_or_create(
        run=run,
        visit_id=visit_id,
        defaults={
            "phenotype": phenotype,
            "patient_id": visit.patient_id,
            "distance": float(distances[0]),
            "pc1": float(scores[0]),
            "pc2": float(scores[1]) if len(scores) > 1 else None,
            "provisional": True,
        },
    )
    assignment_latest_mark(run_id=run.pk, patient_id=visit.patient_id)
    return assignment


def assignment_latest_mark(*, run_id: int | None, patient_id: int) -> None:
    """Mark the patient's label at their latest labelled visit in the run as `latest`
    (their current phenotype) and no other: after a provisional label, a deleted visit
    or a changed visit date."""
    if run_id is None:
        return
    labels = PhenotypeAssignment.objects.filter(run_id=run_id, patient_id=patient_id)
    newest = labels.order_by("-visit__visit_date", "-id").values_list("pk", flat=True).first()
    labels.filter(latest=True).exclude(pk=newest).update(latest=False)
    if newest is not None:
        labels.filter(pk=newest, latest=False).update(latest=True)
