from django.db import migrations


def fill_summaries(apps, schema_editor):
    from analytics.models import ClusteringRun
    from analytics.summaries import patient_summaries_refresh

    # The live model is used here; read only the run's id, because later migrations add
    # columns to the runs table that do not exist yet at this point (an unsaved run, pk
    # None, stands for "no run yet").
    current = ClusteringRun.objects.succeeded().order_by("-finished_at", "-id").only("id")
    patient_summaries_refresh(run=current.first() or ClusteringRun())


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_patient_summary_and_pc_scores"),
        ("registry", "0003_flag_acknowledgement_centre_spelling"),
    ]

    operations = [migrations.RunPython(fill_summaries, migrations.RunPython.noop)]
