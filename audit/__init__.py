"""The audit trail: row changes through pghistory's PostgreSQL triggers, and access events (archive
views, reveals of masked values, exports, imports, logins) in an append-only table."""
