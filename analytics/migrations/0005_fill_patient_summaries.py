from django.db import migrations


def fill_summaries(apps, schema_editor):
    # The summaries are filled by 0008, once their columns have their final shape (the
    # live refresh code writes today's columns only).
    return


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_patient_summary_and_pc_scores"),
        ("registry", "0003_flag_acknowledgement_centre_spelling"),
    ]

    operations = [migrations.RunPython(fill_summaries, migrations.RunPython.noop)]
