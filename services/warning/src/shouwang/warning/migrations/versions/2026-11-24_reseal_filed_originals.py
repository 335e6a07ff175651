"""batches: a filed original may be re-sealed under a new PII key, its content unchanged

The immutability trigger keeps refusing deletes and any change of `sha256` or `received`. A new
`raw` is accepted only when the transaction set `warning.reseal_originals` (transaction-local,
done by `shouwang keys reencrypt warning` alone) and nothing else in the row changes. That command
writes a re-sealed original only after the bytes it opens to matched the recorded sha256, so what
was filed (备案原件) stays provably the same while an old, possibly compromised, key can be retired.

Revision ID: 5c1e9a7d3f20
Revises: b7d2c1e0a913
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c1e9a7d3f20"
down_revision: str | None = "b7d2c1e0a913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE OR REPLACE FUNCTION warning.forbid_batch_tamper() RETURNS trigger AS $$
        DECLARE
          only_raw warning.batches;
        BEGIN
          IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'filed batches cannot be deleted';
          END IF;
          IF NEW.sha256 IS DISTINCT FROM OLD.sha256
             OR NEW.received IS DISTINCT FROM OLD.received THEN
            RAISE EXCEPTION 'filed batch originals are immutable';
          END IF;
          IF NEW.raw IS DISTINCT FROM OLD.raw THEN
            only_raw := NEW;
            only_raw.raw := OLD.raw;
            IF current_setting('warning.reseal_originals', true) IS DISTINCT FROM 'on'
               OR only_raw IS DISTINCT FROM OLD THEN
              RAISE EXCEPTION 'filed batch originals are immutable';
            END IF;
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql
    """)


def downgrade() -> None:
    op.execute("""
        CREATE OR REPLACE FUNCTION warning.forbid_batch_tamper() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'filed batches cannot be deleted';
          END IF;
          IF NEW.raw IS DISTINCT FROM OLD.raw OR NEW.sha256 IS DISTINCT FROM OLD.sha256
             OR NEW.received IS DISTINCT FROM OLD.received THEN
            RAISE EXCEPTION 'filed batch originals are immutable';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql
    """)
