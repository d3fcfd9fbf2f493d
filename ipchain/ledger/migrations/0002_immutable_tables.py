"""On PostgreSQL the log's tables refuse edits at the database level.

- ledger_logentry: no DELETE; an UPDATE may only give a pending row its leaf index.
- ledger_signedcheckpoint: no UPDATE, no DELETE.
- ledger_hashtile: no DELETE; an UPDATE may only extend a tile.
The audit still detects edits made by someone able to drop these triggers.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ipchain_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ipchain: % on % is not allowed: the log is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION ipchain_logentry_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.leaf_index IS NULL AND NEW.leaf_index IS NOT NULL
       AND NEW.id = OLD.id AND NEW.body = OLD.body AND NEW.leaf_hash = OLD.leaf_hash
       AND NEW.kind = OLD.kind AND NEW.submitted_at = OLD.submitted_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ipchain: a log entry can only be given its leaf index once'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION ipchain_hashtile_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.level = OLD.level AND NEW.index = OLD.index
       AND length(NEW.hashes) >= length(OLD.hashes)
       AND substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) = OLD.hashes THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ipchain: a hash tile can only be extended'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_logentry_no_delete BEFORE DELETE ON ledger_logentry
    FOR EACH ROW EXECUTE FUNCTION ipchain_refuse();
CREATE TRIGGER ledger_logentry_update BEFORE UPDATE ON ledger_logentry
    FOR EACH ROW EXECUTE FUNCTION ipchain_logentry_update();
CREATE TRIGGER ledger_checkpoint_no_update BEFORE UPDATE OR DELETE ON ledger_signedcheckpoint
    FOR EACH ROW EXECUTE FUNCTION ipchain_refuse();
CREATE TRIGGER ledger_hashtile_no_delete BEFORE DELETE ON ledger_hashtile
    FOR EACH ROW EXECUTE FUNCTION ipchain_refuse();
CREATE TRIGGER ledger_hashtile_update BEFORE UPDATE ON ledger_hashtile
    FOR EACH ROW EXECUTE FUNCTION ipchain_hashtile_update();
"""

BACKWARD = r"""
DROP TRIGGER ledger_logentry_no_delete ON ledger_logentry;
DROP TRIGGER ledger_logentry_update ON ledger_logentry;
DROP TRIGGER ledger_checkpoint_no_update ON ledger_signedcheckpoint;
DROP TRIGGER ledger_hashtile_no_delete ON ledger_hashtile;
DROP TRIGGER ledger_hashtile_update ON ledger_hashtile;
DROP FUNCTION ipchain_refuse();
DROP FUNCTION ipchain_logentry_update();
DROP FUNCTION ipchain_hashtile_update();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
