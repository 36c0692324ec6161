from django.conf import settings
from django.db import migrations


def create_nightly(apps, schema_editor):
    from analytics.schedule import nightly_schedule_ensure

    nightly_schedule_ensure(
        crontab_model=apps.get_model("django_celery_beat", "CrontabSchedule"),
        periodic_task_model=apps.get_model("django_celery_beat", "PeriodicTask"),
        timezone=settings.TIME_ZONE,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_nightly, migrations.RunPython.noop)]
