from django.db import migrations


def install(apps, schema_editor):
    from mediadesk.content.defaults import install_best_times

    install_best_times(apps.get_model("matrix", "Platform"), apps.get_model("content", "BestTime"))


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial"), ("matrix", "0002_default_platforms_and_rules")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
