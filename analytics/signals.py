"""Between runs, a newly saved comfortable-speed gait session gets a provisional
phenotype from the current model, queued once the saving transaction commits; an import
that changed clinical records queues a reanalysis of the cohort instead (one run, however
many rows; a run whose input did not change is skipped cheaply)."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from registry.models import GaitSession
from registry.signals import records_imported

log = logging.getLogger(__name__)


@receiver(post_save, sender=GaitSession, dispatch_uid="analytics_provisional_assignment")
def queue_provisional_assignment(sender, instance: GaitSession, raw=False, **kwargs):
    if raw or instance.condition != GaitSession.Condition.COMFORTABLE:
        return
    from analytics.tasks import assign_provisional

    visit_id = instance.visit_id

    def queue() -> None:
        # The visit is saved whatever happens here; a broker outage only delays its
        # provisional phenotype until the next run includes the visit.
        try:
            assign_provisional.delay(visit_id=visit_id)
        except Exception:
            log.exception("could not queue the provisional phenotype of visit %s", visit_id)

    transaction.on_commit(queue)


@receiver(records_imported, dispatch_uid="analytics_recluster_after_import")
def queue_reanalysis_after_import(sender, report=None, user=None, **kwargs):
    if not settings.RECLUSTER_AFTER_IMPORT:
        return
    from analytics.tasks import recluster_cohort

    def queue() -> None:
        # The import has committed whatever happens here; a broker outage only delays
        # the new phenotypes until the next scheduled run.
        try:
            recluster_cohort.delay(trigger="import")
        except Exception:
            log.exception("could not queue the reanalysis after an import")

    transaction.on_commit(queue)
