"""SQLAlchemy 2.0 models, repositories and Alembic migrations: the only place that writes SQL."""
