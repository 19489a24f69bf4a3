"""Schema 8, the store as it stood when migrations began: clients, entries and their heads, the audit log
and its hash chain, couples, protocols, assessments, safety flags and check-ins, workshops, the archive.

Revision ID: 0008
Revises: (none)

A new store is made by this revision. A SQLite store made before migrations (schema 1-8, recorded only in
``meta.schema_version``) is brought to schema 8 by the same statements, which only add what is missing,
and then stamped with this revision (``securebase.store.migrate``).
"""

from alembic import op

revision = "0008"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from securebase.store import migrate

    bind = op.get_bind()
    for statement in migrate.baseline_statements(bind.dialect.name):
        bind.exec_driver_sql(statement)
    bind.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('schema_version', '8') "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def downgrade() -> None:
    raise NotImplementedError("Stores are never downgraded: restore the backup `securebase db upgrade` took.")
