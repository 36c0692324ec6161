from django.core.management.base import BaseCommand, CommandError

from analytics.exports import comparisons_csv_write, run_for_export
from analytics.models import ClusteringRun


class Command(BaseCommand):
    help = "Write the statistical comparisons of a run's phenotypes as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--run", type=int, help="run id (default: the current run)")

    def handle(self, *args, out: str, run: int | None, **options):
        try:
            chosen = run_for_export(run)
        except ClusteringRun.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        with open(out, "w", encoding="utf-8", newline="") as handle:
            n = comparisons_csv_write(run=chosen, out=handle)
        self.stdout.write(f"{n} variables of run {chosen.pk} written to {out}")
