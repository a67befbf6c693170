"""A draw's inputs are stored as written (json, not jsonb) and compressed with lz4 where the server
has it; the audit log keeps their digest. Existing draws keep their inputs and an empty digest:
their log entries hold the inputs themselves."""

import audits.models.supervision
from django.db import migrations, models


def compress_inputs_with_lz4(apps, schema_editor):
    # lz4 writes 2.5 MB of inputs (100k batches) about three times faster than the default pglz.
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("ALTER TABLE audits_spotcheck ALTER COLUMN inputs SET COMPRESSION lz4")


def compress_inputs_with_pglz(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audits_spotcheck ALTER COLUMN inputs SET COMPRESSION pglz")


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0013_complaint_outcome_publication'),
    ]

    operations = [
        migrations.AddField(
            model_name='spotcheck',
            name='inputs_sha256',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='抽取输入摘要'),
        ),
        migrations.AlterField(
            model_name='spotcheck',
            name='inputs',
            field=audits.models.supervision.JSONTextField(default=dict, verbose_name='抽取输入'),
        ),
        migrations.RunPython(compress_inputs_with_lz4, compress_inputs_with_pglz),
    ]
