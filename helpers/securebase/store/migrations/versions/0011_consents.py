"""Schema 11: consent records, treatment and research (``securebase.store.consents``); on PostgreSQL with their
grants and row-level security.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from securebase.store import consents

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for statement in consents.pg_statements() if postgres else consents.sqlite_statements():
        bind.exec_driver_sql(statement)
    bind.exec_driver_sql("UPDATE meta SET value = '11' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("Stores are never downgraded: restore the backup `securebase db upgrade` took.")
