"""Between runs, a visit whose clinical values were saved through the registry's write
services gets a provisional phenotype from the current model, queued once the saving
transaction commits (a visit without a comfortable-speed walk gets none); an import
that changed clinical records queues a reanalysis of the cohort instead (one run, however
many rows; a run whose input did not change is skipped cheaply)."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from analytics.models import Trigger
from registry.models import Center, FlagAcknowledgement, GaitSession, MriScan, Patient, Visit
from registry.signals import records_imported, records_seeded, visits_changed

log = logging.getLogger(__name__)


@receiver(visits_changed, dispatch_uid="analytics_provisional_assignment")
def queue_provisional_assignment(sender, visit_ids=(), **kwargs):
    from analytics.tasks import assign_provisional

    ids = list(visit_ids)

    def queue() -> None:
        # The visit is saved whatever happens here; a broker outage only delays its
        # provisional phenotype until the next run includes the visit.
        for visit_id in ids:
            try:
                assign_provisional.delay(visit_id=visit_id)
            except Exception:
                log.exception("could not queue the provisional phenotype of visit %s", visit_id)
                return

    transaction.on_commit(queue)


def _analysed_records_changed(report) -> bool:
    """Only visits, gait sessions and MRI scans enter the analysis."""
    if report is None:
        return True
    return any(
        report.counts[kind].created + report.counts[kind].updated
        for kind in ("visits", "gait", "mri")
        if kind in report.counts
    )


@receiver(records_imported, dispatch_uid="analytics_recluster_after_import")
def queue_reanalysis_after_import(sender, report=None, user=None, **kwargs):
    if not settings.RECLUSTER_AFTER_IMPORT or not _analysed_records_changed(report):
        return
    from analytics.tasks import recluster_cohort

    def queue() -> None:
        # The import has committed whatever happens here; a broker outage only delays
        # the new phenotypes until the next scheduled run.
        try:
            recluster_cohort.delay(trigger=Trigger.IMPORT.value)
        except Exception:
            log.exception("could not queue the reanalysis after an import")

    transaction.on_commit(queue)


# The patient list's summary rows follow every per-row write of the clinical records
# (in the writing transaction: one statement for one patient) and every bulk write.


def _refresh(patient_id) -> None:
    from analytics.summaries import patient_summaries_refresh

    if patient_id is not None:
        patient_summaries_refresh(patient_ids=[patient_id])


@receiver(post_save, sender=Patient, dispatch_uid="analytics_summary_patient")
def summary_after_patient_save(sender, instance: Patient, raw=False, **kwargs):
    if not raw:
        _refresh(instance.pk)


@receiver(pre_save, sender=Visit, dispatch_uid="analytics_visit_patient_before_save")
def patient_before_visit_save(sender, instance: Visit, raw=False, **kwargs):
    """Which patient the stored visit belongs to, so that a visit moved to another
    patient (the API allows it within the user's centres) takes its labels along."""
    if not raw and instance.pk is not None:
        instance._stored_patient_id = (
            Visit.objects.filter(pk=instance.pk).values_list("patient_id", flat=True).first()
        )


@receiver(post_save, sender=Visit, dispatch_uid="analytics_summary_visit_save")
@receiver(post_delete, sender=Visit, dispatch_uid="analytics_summary_visit_delete")
def summary_after_visit(sender, instance: Visit, raw=False, created=False, **kwargs):
    if raw:
        return
    patients = [instance.patient_id]
    moved_from = getattr(instance, "_stored_patient_id", None)
    if moved_from not in (None, instance.patient_id):
        from analytics.models import PhenotypeAssignment

        # The labels of the visit follow it to its new patient (on every backend; on
        # PostgreSQL the database moves them the same, migration 0017), and both
        # patients' current phenotype and summary are worked out again.
        PhenotypeAssignment.objects.filter(visit_id=instance.pk).exclude(
            patient_id=instance.patient_id
        ).update(patient_id=instance.patient_id)
        patients.append(moved_from)
    for patient_id in patients:
        _refresh(patient_id)
    if not created:
        # A deleted visit takes its labels along, a moved one may stop being the latest:
        # the current phenotype is re-marked (nothing to do for a new visit, unlabelled).
        from analytics.models import ClusteringRun
        from analytics.services import assignment_latest_mark

        run_id = ClusteringRun.objects.current_pk()
        for patient_id in patients:
            assignment_latest_mark(run_id=run_id, patient_id=patient_id)


@receiver(post_save, sender=MriScan, dispatch_uid="analytics_summary_mri_save")
@receiver(post_delete, sender=MriScan, dispatch_uid="analytics_summary_mri_delete")
def summary_after_scan(sender, instance: MriScan, raw=False, **kwargs):
    if not raw:
        _refresh(instance.patient_id)


@receiver(post_save, sender=GaitSession, dispatch_uid="analytics_summary_gait_save")
@receiver(post_delete, sender=GaitSession, dispatch_uid="analytics_summary_gait_delete")
def summary_after_gait(sender, instance: GaitSession, raw=False, **kwargs):
    if raw:
        return
    patient_id = Visit.objects.filter(pk=instance.visit_id).values_list("patient_id", flat=True)
    _refresh(patient_id.first())


@receiver(post_save, sender=FlagAcknowledgement, dispatch_uid="analytics_summary_ack_save")
@receiver(post_delete, sender=FlagAcknowledgement, dispatch_uid="analytics_summary_ack_delete")
def summary_after_acknowledgement(sender, instance: FlagAcknowledgement, raw=False, **kwargs):
    # An acknowledged flag stops counting in the patient list's flag filter.
    if raw:
        return
    if instance.mri_scan_id is not None:
        patient = MriScan.objects.filter(pk=instance.mri_scan_id).values_list("patient_id")
    else:
        patient = GaitSession.objects.filter(pk=instance.gait_session_id).values_list(
            "visit__patient_id"
        )
    row = patient.first()
    _refresh(row[0] if row else None)


@receiver(post_save, sender=Center, dispatch_uid="analytics_summary_center")
def summary_after_center_save(sender, instance: Center, raw=False, created=False, **kwargs):
    if not (raw or created):
        from analytics.summaries import center_code_refresh

        center_code_refresh(center_id=instance.pk, code=instance.code)


@receiver(records_imported, dispatch_uid="analytics_summary_after_import")
@receiver(records_seeded, dispatch_uid="analytics_summary_after_seeding")
def summary_after_bulk_write(sender, **kwargs):
    from analytics.summaries import patient_summaries_refresh

    patient_summaries_refresh()
