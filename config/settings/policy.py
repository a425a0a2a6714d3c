"""Policy numbers a county may change (docs/SECURITY.md marks them "policy"). One place for all of them."""

from datetime import timedelta

LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCKOUT_COOLOFF = timedelta(minutes=30)
# Per network address, across usernames (accounts/throttle.py): this many failed logins within the window pause
# logins from the address until the window holds fewer (at most one window; refused attempts are not counted).
# A county office works behind one NAT address: 30 is far above what its staff mistype in a quarter of an hour,
# and a burst of failures pauses the office for 15 minutes at most, while guesses from one address are capped at
# about 3,000 a day (they were unlimited). The account lockout above still holds for every username.
LOGIN_ADDRESS_FAILURE_LIMIT = 30
LOGIN_ADDRESS_WINDOW = timedelta(minutes=15)
SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
SESSION_ABSOLUTE_TIMEOUT_SECONDS = 12 * 60 * 60
PASSWORD_MIN_LENGTH = 8
PASSWORD_MIN_CHARACTER_CLASSES = 3
PASSWORD_MAX_AGE_DAYS = 90
# The second factor (TOTP, django-otp), when a deployment switches it on for some roles (OTP_REQUIRED_ROLES in the
# environment, config/settings/base.py). A wrong code makes the next attempt wait OTP_THROTTLE_FACTOR × 2^(n−1)
# seconds after n wrong codes in a row (1, 2, 4 … seconds: after 10 wrong codes, 8½ minutes; after 20, six days), per
# device, whichever the address; a right code resets it. A code from the authenticator app is also accepted one step
# (30 s) early or late. Recovery codes: this many one-time codes, shown once when the device is set up.
OTP_THROTTLE_FACTOR = 1
OTP_RECOVERY_CODE_COUNT = 10
# Cybersecurity Law art. 21: logs kept at least six months. The application never deletes audit rows.
AUDIT_RETENTION_DAYS = 180

# Roster import (docs/ROSTER.md, docs/SECURITY.md §Uploads). A county roster of 50,000 persons is about 4 MB.
ROSTER_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Zip-bomb guard, checked on the sizes the archive declares before anything is decompressed.
ROSTER_MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
ROSTER_MAX_COMPRESSION_RATIO = 100
ROSTER_MAX_ROWS = 100_000
# The uploaded file is kept with its import job for this long, then deleted (the job row and counts stay).
ROSTER_FILE_RETENTION_DAYS = 30
