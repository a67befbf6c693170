"""The change log's models now belong to the core app (skilleval 0015): the audits app forgets
them without touching their tables. Their content types follow, so permissions granted on them
(and anything else that names them by content type) carry over."""

from django.db import migrations

MOVED = ["auditentry", "auditchainhead", "auditsignal"]


def _relabel(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_to_skilleval(apps, schema_editor):
    _relabel(apps, "audits", "skilleval")


def content_types_to_audits(apps, schema_editor):
    _relabel(apps, "skilleval", "audits")


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0010_constraint_messages_in_one_language'),
        ('skilleval', '0015_change_log_from_audits'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='AuditChainHead',
                ),
                migrations.RemoveField(
                    model_name='auditsignal',
                    name='batch',
                ),
                migrations.RemoveField(
                    model_name='auditsignal',
                    name='institution',
                ),
                migrations.DeleteModel(
                    name='AuditEntry',
                ),
                migrations.DeleteModel(
                    name='AuditSignal',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_skilleval, content_types_to_audits),
    ]
