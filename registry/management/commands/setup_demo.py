from django.core.management import call_command
from django.core.management.base import BaseCommand

from registry.models import Patient


class Command(BaseCommand):
    help = "Seed the synthetic demo cohort if the registry is empty and ensure demo logins."

    def handle(self, *args, **options):
        if Patient.objects.exists():
            self.stdout.write("The registry already holds patients; no demo cohort seeded.")
        else:
            call_command("seed_demo", stdout=self.stdout)
        call_command("demo_users", stdout=self.stdout)
