from django.db import migrations


def install(apps, schema_editor):
    from mediadesk.matrix.defaults import PLATFORMS
    from mediadesk.matrix.rules import DEFAULT_RULES

    Platform = apps.get_model("matrix", "Platform")
    StandardRule = apps.get_model("matrix", "StandardRule")
    for row in PLATFORMS:
        values = dict(row)
        Platform.objects.get_or_create(code=values.pop("code"), defaults=values)
    for rule in DEFAULT_RULES:
        StandardRule.objects.get_or_create(
            code=rule.code, defaults={"message": rule.message, "severity": rule.severity}
        )


class Migration(migrations.Migration):
    dependencies = [("matrix", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
