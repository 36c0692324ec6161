"""Between runs, a newly saved comfortable-speed gait session gets a provisional
phenotype from the current model, queued once the saving transaction commits."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from registry.models import GaitSession

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
