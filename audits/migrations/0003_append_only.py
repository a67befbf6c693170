"""On PostgreSQL the database itself refuses to change or delete audit entries."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audits_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: changes to audits_auditentry are refused';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audits_auditentry_append_only
    BEFORE UPDATE OR DELETE ON audits_auditentry
    FOR EACH ROW EXECUTE FUNCTION audits_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS audits_auditentry_append_only ON audits_auditentry;
DROP FUNCTION IF EXISTS audits_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audits", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
