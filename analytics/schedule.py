"""The default nightly reanalysis, created idempotently (by a migration and by the
`ensure_schedule` command). Staff change it afterwards in the admin."""

import json

NIGHTLY_NAME = "Nightly cohort reanalysis"
NIGHTLY_TASK = "analytics.recluster_cohort"
# Expire a queued nightly run before the next one is due, so a backlog never piles up.
NIGHTLY_EXPIRES_S = 23 * 3600


def nightly_schedule_ensure(*, crontab_model, periodic_task_model, timezone: str) -> bool:
    """Create the 02:15 entry if missing; returns whether it was created."""
    if periodic_task_model.objects.filter(name=NIGHTLY_NAME).exists():
        return False
    crontab, _ = crontab_model.objects.get_or_create(
        minute="15",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=timezone,
    )
    periodic_task_model.objects.create(
        name=NIGHTLY_NAME,
        task=NIGHTLY_TASK,
        crontab=crontab,
        kwargs=json.dumps({"trigger": "schedule"}),
        expire_seconds=NIGHTLY_EXPIRES_S,
        description="Recluster the whole cohort with the default parameters (k = 4, gait).",
    )
    return True
