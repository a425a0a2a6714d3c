"""Operations: database backups (pg_dump) and the restore drill that proves a backup can be restored."""
