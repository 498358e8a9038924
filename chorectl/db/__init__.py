"""Storage: SQLModel tables over SQLite. Imported lazily (never by ``--help``)."""
