"""Alembic's environment for the store's migrations. The store hands Alembic its own open connection,
inside its own write transaction (``config.attributes["connection"]``): Alembic neither connects nor
commits. Run through ``securebase db upgrade``, never through the ``alembic`` command."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("The store's migrations run through `securebase db upgrade`, which opens the store itself.")
context.configure(connection=connection, transactional_ddl=False)
with context.begin_transaction():
    context.run_migrations()
