"""Persistence: SQLAlchemy models, queries and Alembic migrations. All SQL lives here."""
