import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry.access import can_import
from registry.models import Center, User
from registry.services import records_import


class Command(BaseCommand):
    help = (
        "Import centers.csv, patients.csv, visits.csv, gait.csv and mri.csv (files or "
        "directories). Any error imports nothing and every error is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help="validate and count only")
        parser.add_argument("--center", help="accept only records of this centre code")
        parser.add_argument(
            "--user",
            help="username the audit trail names as importer; limits the import to the "
            "centres that user may edit",
        )

    def handle(self, *args, paths, dry_run, center, user, **options):
        importer = None
        if user is not None:
            importer = User.objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"--user = {user!r} is not an existing username.")
        if center is not None and not Center.objects.filter(code=center).exists():
            raise CommandError(f"--center = {center!r} is not an existing centre code.")
        bar = tqdm(unit=" rows", disable=not sys.stderr.isatty(), file=sys.stderr)

        def progress(stage: str, done: int, total: int) -> None:
            bar.set_description(stage)
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            report = records_import(
                user=importer,
                paths=paths,
                dry_run=dry_run,
                only_center=center,
                progress=progress,
            )
        except PermissionError as exc:
            # A read-only user is refused outright; a writer only the centre outside reach.
            if center is not None and can_import(importer):
                raise CommandError(f"--center = {center!r}: {exc}.") from exc
            raise CommandError(f"--user = {user!r}: {exc}.") from exc
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"{report.error_count} errors: nothing was imported.")
        verb = "would be imported (dry run, nothing written)" if dry_run else "imported"
        self.stdout.write(self.style.SUCCESS(f"All files {verb}."))
