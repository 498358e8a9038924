"""Storage: SQLModel tables, and the database behind them through one seam (:mod:`chorectl.db.dialect`;
SQLite: :mod:`chorectl.db.sqlite`). Imported lazily (never by ``--help``)."""
