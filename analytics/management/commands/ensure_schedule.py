from django.conf import settings
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from analytics.schedule import NIGHTLY_NAME, nightly_schedule_ensure


class Command(BaseCommand):
    help = "Create the default nightly reanalysis (02:15) in the beat schedule if missing."

    def handle(self, *args, **options):
        created = nightly_schedule_ensure(
            crontab_model=CrontabSchedule,
            periodic_task_model=PeriodicTask,
            timezone=settings.TIME_ZONE,
        )
        state = "created" if created else "already present"
        self.stdout.write(f"{NIGHTLY_NAME}: {state}.")
