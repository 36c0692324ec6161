""" "Today" for validation, in the registry's time zone, matching the database's CURRENT_DATE
closely enough that a form never accepts what the database then rejects."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def current_year() -> int:
    return today().year
