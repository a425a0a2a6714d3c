"""Plain helpers every app may use: no models, no domain rules, no imports from the project's apps.

The lowest layer (docs/ARCHITECTURE.md): ``core.db`` (id arrays, advisory locks, queueing a task after the commit),
``core.hooks`` (the typed registries through which a lower app lets a higher one act), ``core.reversing``.
"""
