from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models.measurements import GaitSession, MriScan
from registry.models.scoping import ScopedQuerySet


class FlagAcknowledgementQuerySet(ScopedQuerySet):
    """An acknowledgement is read and written with the record it is about."""

    def _within(self, center_ids):
        if center_ids is None:
            return self
        return self.filter(
            Q(gait_session__visit__patient__center__in=center_ids)
            | Q(mri_scan__patient__center__in=center_ids)
        )

    def for_user(self, user):
        from registry import access

        return self._within(access.readable_center_ids(user))

    def editable_by(self, user):
        from registry import access

        return self._within(access.editable_center_ids(user))


class FlagAcknowledgement(models.Model):
    """A clinician's word that a data-quality flag was checked ("value confirmed").

    It holds for the flag as it read then: if the values change and the rule fires with
    other numbers, the flag is open again. Acknowledged flags stay visible but no
    longer count as open in filters and counts."""

    gait_session = models.ForeignKey(
        GaitSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flag_acknowledgements",
    )
    mri_scan = models.ForeignKey(
        MriScan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flag_acknowledgements",
    )
    rule = models.CharField(max_length=40)
    message = models.TextField(help_text=_("The flag's text when it was acknowledged."))
    note = models.CharField(max_length=500)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = FlagAcknowledgementQuerySet.as_manager()

    class Meta:
        verbose_name = _("flag acknowledgement")
        verbose_name_plural = _("flag acknowledgements")
        constraints = [
            models.CheckConstraint(
                condition=Q(gait_session__isnull=False, mri_scan__isnull=True)
                | Q(gait_session__isnull=True, mri_scan__isnull=False),
                name="registry_flagacknowledgement_one_record",
            ),
            models.UniqueConstraint(
                fields=["gait_session", "rule"],
                condition=Q(gait_session__isnull=False),
                name="registry_flagacknowledgement_gait_rule",
            ),
            models.UniqueConstraint(
                fields=["mri_scan", "rule"],
                condition=Q(mri_scan__isnull=False),
                name="registry_flagacknowledgement_mri_rule",
            ),
            models.CheckConstraint(
                condition=~Q(note=""), name="registry_flagacknowledgement_note_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record} {self.rule} acknowledged"

    @property
    def record(self):
        return self.gait_session or self.mri_scan
