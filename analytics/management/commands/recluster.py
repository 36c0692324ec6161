from django.core.management.base import BaseCommand, CommandError

from analytics.models import FeatureSet, Trigger, VisitChoice
from analytics.services import clustering_run_request


def k_value(raw: str) -> int | None:
    if raw == "auto":
        return None
    try:
        k = int(raw)
    except ValueError:
        raise CommandError(
            f"--k = {raw!r} is not allowed; use an integer 2 … 8 or 'auto'."
        ) from None
    if not 2 <= k <= 8:
        raise CommandError(f"--k = {k} is outside the allowed range 2 … 8 (or 'auto').")
    return k


class Command(BaseCommand):
    help = "Recluster the cohort now: queue a run for the worker, or compute it here with --sync."

    def add_arguments(self, parser):
        parser.add_argument("--k", default="4", help="number of phenotypes 2 … 8, or 'auto'")
        parser.add_argument("--features", default="gait", choices=FeatureSet.values)
        parser.add_argument("--visits", default="latest", choices=VisitChoice.values)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--bootstrap", type=int, default=100, help="resamples for stability")
        parser.add_argument("--sync", action="store_true", help="compute in this process")

    def handle(self, *args, **opts):
        if not 0 <= opts["bootstrap"] <= 1000:
            raise CommandError(
                f"--bootstrap = {opts['bootstrap']} is outside the allowed range 0 … 1000."
            )
        run = clustering_run_request(
            trigger=Trigger.COMMAND,
            k=k_value(opts["k"]),
            feature_set=opts["features"],
            visit_choice=opts["visits"],
            seed=opts["seed"],
            bootstrap=opts["bootstrap"],
            sync=opts["sync"],
        )
        run.refresh_from_db()
        if run.status == "failed" and not opts["sync"]:
            raise CommandError(f"run {run.pk} failed: {run.error}")
        self.stdout.write(f"run {run.pk}: {run.status}")
        if run.status == "succeeded":
            self.stdout.write(f"k = {run.k}, {run.cohort_size} patients, {run.duration_s:.1f} s")
            for p in run.phenotypes.order_by("stable_id"):
                self.stdout.write(
                    f"  {p.stable_id}  {p.name:<26} n = {p.size:>5}  {100 * p.share:5.1f} %  "
                    f"stability {p.stability_jaccard:.2f} ({p.stability_flag})"
                    if p.stability_jaccard is not None
                    else f"  {p.stable_id}  {p.name:<26} n = {p.size:>5}  {100 * p.share:5.1f} %"
                )
        elif run.status == "skipped":
            self.stdout.write(run.skipped_reason)
        elif run.status == "failed":
            raise CommandError(f"run {run.pk} failed: {run.error.splitlines()[0]}")
        else:
            self.stdout.write(
                "queued for the worker; follow it in the admin under Clustering runs."
            )
