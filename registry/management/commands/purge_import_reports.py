from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.importing.jobs import import_reports_purge


class Command(BaseCommand):
    help = (
        "Delete the error reports of upload imports that finished more than --days ago "
        "(default IMPORT_REPORT_RETENTION_DAYS). Each finished import also does this."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.IMPORT_REPORT_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        try:
            deleted = import_reports_purge(older_than_days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{deleted} error reports older than {days} days deleted.")
