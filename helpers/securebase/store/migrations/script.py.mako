"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Created: ${create_date}
"""

from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both backends: branch on op.get_bind().dialect.name where their SQL differs, and raise
    # meta.schema_version by one in the same revision, so that older versions refuse the store.
    ${upgrades if upgrades else "raise NotImplementedError"}


def downgrade() -> None:
    raise NotImplementedError("Stores are never downgraded: restore the backup `securebase db upgrade` took.")
