"""Schema 9: people, their clinicians and supervisors; on PostgreSQL also each person's own login role,
the group roles and their grants, and row-level security on every table (``securebase.store.access_pg``).

Revision ID: 0009
Revises: 0008

On SQLite (one person, no database roles) the three tables are made and stay empty.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from securebase.store import access_pg
    from securebase.store.engine import WRITE_LOCK

    bind = op.get_bind()
    for statement in access_pg.people_tables(bind.dialect.name):
        bind.exec_driver_sql(statement)
    if bind.dialect.name == "postgresql":
        schema = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
        for statement in access_pg.statements(WRITE_LOCK, schema):
            bind.exec_driver_sql(statement)
    bind.exec_driver_sql("UPDATE meta SET value = '9' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("Stores are never downgraded: restore the backup `securebase db upgrade` took.")
