import time

from django.core.management.base import BaseCommand, CommandError

from registry.demo.seeding import demo_cohort_seed


class Command(BaseCommand):
    help = (
        "Create the calibrated SYNTHETIC demo cohort (patient ids prefixed DEMO-). "
        "Deterministic for a seed; running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1026, help="default 1026")
        parser.add_argument("--seed", type=int, default=42, help="default 42")

    def handle(self, *args, patients: int, seed: int, **options):
        if not 1 <= patients <= 200_000:
            raise CommandError(f"--patients = {patients} is outside the allowed range 1 … 200000.")
        started = time.perf_counter()
        report = demo_cohort_seed(n_patients=patients, seed=seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic demo cohort: {report.patients_created} patients created, "
                f"{report.patients_skipped} already present; {report.visits_created} visits, "
                f"{report.gait_sessions_created} gait sessions, {report.mri_scans_created} MRI "
                f"scans in {elapsed:.1f} s."
            )
        )
