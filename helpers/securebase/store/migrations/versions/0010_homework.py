"""Schema 10: homework assignments, private calendar feeds, reminder settings and the reminders sent
(``securebase.store.homework``); on PostgreSQL with their grants and row-level security.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from securebase.store import homework

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for statement in homework.pg_statements() if postgres else homework.sqlite_statements():
        bind.exec_driver_sql(statement)
    bind.exec_driver_sql("UPDATE meta SET value = '10' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("Stores are never downgraded: restore the backup `securebase db upgrade` took.")
