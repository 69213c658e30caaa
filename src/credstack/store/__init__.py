"""Persistence: SQLAlchemy models (``store.models``), the engine factory
(``store.engine``) and Alembic migrations (``store.migrate``), for SQLite and PostgreSQL."""
