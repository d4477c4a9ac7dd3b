from django.db import migrations


def install(apps, schema_editor):
    from mediadesk.matrix.defaults import install

    install(apps.get_model("matrix", "Platform"), apps.get_model("matrix", "StandardRule"))


class Migration(migrations.Migration):
    dependencies = [("matrix", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
