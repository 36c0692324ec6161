from django.core.management.base import BaseCommand

from registry.exporting import registry_export, registry_export_deidentified


class Command(BaseCommand):
    help = (
        "Write the registry as centers.csv, patients.csv, visits.csv, gait.csv, mri.csv; "
        "with --deidentified, random patient codes and shifted dates plus a README.txt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="directory to write the files into")
        parser.add_argument(
            "--deidentified",
            action="store_true",
            help="replace pseudonyms by per-export random codes and shift dates per patient",
        )

    def handle(self, *args, out, deidentified, **options):
        export = registry_export_deidentified if deidentified else registry_export
        for kind, n in export(directory=out).items():
            self.stdout.write(f"{kind}.csv: {n} rows")
        if deidentified:
            self.stdout.write("README.txt: how the files were de-identified")
