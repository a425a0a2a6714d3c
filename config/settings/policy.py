"""Policy numbers a county may change (SECURITY.md marks them "policy"). One place for all of them."""

from datetime import timedelta

LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCKOUT_COOLOFF = timedelta(minutes=30)
SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
SESSION_ABSOLUTE_TIMEOUT_SECONDS = 12 * 60 * 60
PASSWORD_MIN_LENGTH = 8
PASSWORD_MIN_CHARACTER_CLASSES = 3
PASSWORD_MAX_AGE_DAYS = 90
# Cybersecurity Law art. 21: logs kept at least six months. The application never deletes audit rows.
AUDIT_RETENTION_DAYS = 180
