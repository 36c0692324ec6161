import time

from django.core.management.base import BaseCommand

from analytics.summaries import patient_summaries_refresh


class Command(BaseCommand):
    help = (
        "Rebuild the patient list's summary rows (latest visit, current phenotype, flags) "
        "of every patient from the clinical tables and the current run."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        patient_summaries_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Patient summaries rebuilt in {time.perf_counter() - started:.1f} s."
            )
        )
