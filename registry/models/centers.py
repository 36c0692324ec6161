from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models.fields import choice_check, choice_errors
from registry.models.scoping import CenterQuerySet
from registry.spreadsheets import no_formula

CENTER_CODE_PATTERN = r"^[A-Z0-9_-]{1,16}$"


class Center(models.Model):
    """A clinic site. Every patient belongs to one; access is scoped by it."""

    code = models.CharField(
        _("centre code"),
        max_length=16,
        unique=True,
        validators=[
            RegexValidator(
                CENTER_CODE_PATTERN,
                message="center = %(value)r is not a valid code; allowed 1–16 characters "
                "of A-Z 0-9 _ -.",
            )
        ],
        help_text=_("Short code used everywhere else: 1–16 characters of A-Z 0-9 _ -."),
    )
    name = models.CharField(
        verbose_name=_("name"), max_length=128, blank=True, validators=[no_formula]
    )
    history = HistoricalRecords()

    objects = CenterQuerySet.as_manager()

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=CENTER_CODE_PATTERN), name="registry_center_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    RESEARCHER = "researcher", _("Researcher")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A member of staff: one role, one or more centres."""

    Role = Role

    # Least privilege by default: a new account can read, not write.
    role = models.CharField(
        verbose_name=_("role"),
        max_length=16,
        choices=Role.choices,
        default=Role.RESEARCHER,
        error_messages=choice_errors("role", Role.values),
    )
    centers = models.ManyToManyField(
        Center, related_name="members", blank=True, verbose_name=_("centres")
    )
    # Who may see and change what is itself audited: role, staff and superuser flags,
    # activity and centre changes are kept with who made them and when. Password hashes
    # and login times are not.
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=[centers])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [choice_check("registry_user", "role", Role.values)]

    def save(self, *args, **kwargs):
        # A login only stamps last_login: no history row for it.
        if set(kwargs.get("update_fields") or ()) == {"last_login"}:
            self.skip_history_when_saving = True
            try:
                return super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
        return super().save(*args, **kwargs)

    @property
    def role_label(self) -> str:
        if self.is_superuser:
            return str(_("Administrator (all centres)"))
        return self.get_role_display()
