from django.db import migrations


def fill_summaries(apps, schema_editor):
    from analytics.summaries import patient_summaries_refresh

    patient_summaries_refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_patient_summary_and_pc_scores"),
        ("registry", "0003_flag_acknowledgement_centre_spelling"),
    ]

    operations = [migrations.RunPython(fill_summaries, migrations.RunPython.noop)]
