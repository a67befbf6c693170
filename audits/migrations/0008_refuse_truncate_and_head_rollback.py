"""On PostgreSQL, also refuse TRUNCATE of the audit log, and refuse moving the chain head back
(or deleting it): an app that connects as a role without these privileges cannot, and the
triggers stop a mistake by the owner. Whoever owns the tables can drop triggers; the keyed chain
and the checkpoints outside the database detect what they then do."""

from django.db import migrations

CREATE = """
CREATE TRIGGER audits_auditentry_no_truncate
    BEFORE TRUNCATE ON audits_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audits_refuse_change();

CREATE OR REPLACE FUNCTION audits_head_only_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.seq > OLD.seq OR (NEW.seq, NEW.hash) = (OLD.seq, OLD.hash)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: the chain head only moves forward';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audits_auditchainhead_forward
    BEFORE UPDATE OR DELETE ON audits_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audits_head_only_forward();
CREATE TRIGGER audits_auditchainhead_no_truncate
    BEFORE TRUNCATE ON audits_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audits_head_only_forward();
"""
DROP = """
DROP TRIGGER IF EXISTS audits_auditchainhead_no_truncate ON audits_auditchainhead;
DROP TRIGGER IF EXISTS audits_auditchainhead_forward ON audits_auditchainhead;
DROP FUNCTION IF EXISTS audits_head_only_forward();
DROP TRIGGER IF EXISTS audits_auditentry_no_truncate ON audits_auditentry;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audits", "0007_key_the_hash_chain")]

    operations = [migrations.RunPython(forwards, backwards)]
