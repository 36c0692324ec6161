from django.core.management.base import BaseCommand

from registry.exporting import registry_export


class Command(BaseCommand):
    help = "Write the registry as centers.csv, patients.csv, visits.csv, gait.csv, mri.csv."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="directory to write the files into")

    def handle(self, *args, out, **options):
        for kind, n in registry_export(directory=out).items():
            self.stdout.write(f"{kind}.csv: {n} rows")
