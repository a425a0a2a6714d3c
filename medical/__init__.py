"""Green channel, family-doctor signing, health checks, mental-health support. Filled by a later issue."""
