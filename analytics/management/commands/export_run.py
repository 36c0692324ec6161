from django.core.management.base import BaseCommand, CommandError

from analytics.exports import cohort_csv_write, comparisons_csv_write, run_for_export
from analytics.models import ClusteringRun

TABLES = {
    # table: (writer, what a row is)
    "cohort": (cohort_csv_write, "rows"),
    "comparisons": (comparisons_csv_write, "variables"),
}


class Command(BaseCommand):
    help = (
        "Write a table of a run as CSV: cohort (one row per analysed visit; the data "
        "dictionary's cohort.csv) or comparisons (the statistical comparisons of its "
        "phenotypes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("table", choices=sorted(TABLES), help="which table to write")
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--run", type=int, help="run id (default: the current run)")

    def handle(self, *args, table: str, out: str, run: int | None, **options):
        try:
            chosen = run_for_export(run)
        except ClusteringRun.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        write, unit = TABLES[table]
        with open(out, "w", encoding="utf-8", newline="") as handle:
            n = write(run=chosen, out=handle)
        self.stdout.write(f"{n} {unit} of run {chosen.pk} written to {out}")
