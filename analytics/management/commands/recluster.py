from django.core.management.base import BaseCommand, CommandError

from analytics.engine import defaults
from analytics.models import FeatureSet, KScan, RunStatus, Trigger, VisitChoice
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


def clusterability_line(result: dict | None) -> str:
    if not result:
        return "clusterability: not computed"
    bound = "< " if result["p_floor"] else ""
    verdict = (
        "cluster structure (null of one Gaussian rejected)"
        if result["rejected"]
        else "no evidence of distinct phenotypes: the labels are a partition, not discovered groups"
    )
    gap = result.get("gap")
    gap_text = f"; gap statistic (1-SE, from k = 1) says k = {gap['k']}" if gap else ""
    return (
        f"clusterability: p {bound or '= '}{result['p_value']:.3g} ({result['n_null']} null draws, "
        f"cluster index {result['statistic']:.4f} vs null median "
        f"{result['null']['quantiles']['q50']:.4f}) at alpha {result['alpha']}: {verdict}{gap_text}"
    )


class Command(BaseCommand):
    help = "Recluster the cohort now: queue a run for the worker, or compute it here with --sync."

    def add_arguments(self, parser):
        parser.add_argument(
            "--k", default=str(defaults.K), help="number of phenotypes 2 … 8, or 'auto'"
        )
        parser.add_argument("--features", default="gait", choices=FeatureSet.values)
        parser.add_argument("--visits", default="latest", choices=VisitChoice.values)
        parser.add_argument("--seed", type=int, default=defaults.SEED)
        parser.add_argument(
            "--bootstrap", type=int, default=defaults.BOOTSTRAP, help="resamples for stability"
        )
        parser.add_argument(
            "--k-scan",
            default="full",
            choices=KScan.values,
            help="scan k = 1 … 8 in full, on a sample of 1000 rows, or skip it (fixed k only)",
        )
        parser.add_argument("--sync", action="store_true", help="compute in this process")

    def handle(self, *args, **opts):
        if not 0 <= opts["bootstrap"] <= 1000:
            raise CommandError(
                f"--bootstrap = {opts['bootstrap']} is outside the allowed range 0 … 1000."
            )
        k = k_value(opts["k"])
        if opts["k_scan"] == "skip" and k is None:
            raise CommandError(
                "--k-scan = skip needs a fixed --k (2 … 8); 'auto' is chosen by the scan."
            )
        run = clustering_run_request(
            trigger=Trigger.COMMAND,
            k=k,
            k_scan=opts["k_scan"],
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
        if run.status == RunStatus.SUCCEEDED:
            self.stdout.write(f"k = {run.k}, {run.cohort_size} patients, {run.duration_s:.1f} s")
            for p in run.phenotypes.order_by("stable_id"):
                self.stdout.write(
                    f"  {p.stable_id}  {p.name:<26} n = {p.size:>5}  {100 * p.share:5.1f} %  "
                    f"stability {p.stability_jaccard:.2f} ({p.stability_flag})"
                    if p.stability_jaccard is not None
                    else f"  {p.stable_id}  {p.name:<26} n = {p.size:>5}  {100 * p.share:5.1f} %"
                )
            self.stdout.write(clusterability_line(run.clusterability))
            if run.k_selection.get("summary"):
                self.stdout.write(f"k vote: {run.k_selection['summary']}")
        elif run.status == "skipped":
            self.stdout.write(run.skipped_reason)
        elif run.status == "failed":
            raise CommandError(f"run {run.pk} failed: {run.error.splitlines()[0]}")
        else:
            self.stdout.write(
                "queued for the worker; follow it in the admin under Clustering runs."
            )
