"""Between runs, a newly saved comfortable-speed gait session gets a provisional
phenotype from the current model, queued once the saving transaction commits."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from registry.models import GaitSession


@receiver(post_save, sender=GaitSession, dispatch_uid="analytics_provisional_assignment")
def queue_provisional_assignment(sender, instance: GaitSession, raw=False, **kwargs):
    if raw or instance.condition != GaitSession.Condition.COMFORTABLE:
        return
    from analytics.tasks import assign_provisional

    visit_id = instance.visit_id
    transaction.on_commit(lambda: assign_provisional.delay(visit_id=visit_id))
