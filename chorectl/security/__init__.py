"""The parent PIN: bcrypt hashes kept in the OS keyring. Imported only by parent commands."""
