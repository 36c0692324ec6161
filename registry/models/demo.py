from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.visits import Visit


class DemoTruth(models.Model):
    """The synthetic generator's true phenotype of a demo visit, kept for tests and
    benchmarks that check the pipeline against it. Never shown to users as a result."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="demo_truth")
    phenotype = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("demo truth")
        verbose_name_plural = _("demo truths")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phenotype__gte=1, phenotype__lte=4),
                name="registry_demotruth_phenotype_range",
            )
        ]

    def __str__(self) -> str:
        return f"truth for {self.visit_id}"
