"""What a web worker does once, after its application is loaded (config/wsgi.py, config/asgi.py)."""

import gc

from django.urls import get_resolver


def freeze_loaded_objects() -> None:
    """Keep everything loaded so far (modules, models, URL patterns, views) out of the garbage collector.

    Python's full (generation 2) collection walks every tracked object of the process: with Django and our
    apps loaded, 100,000 objects and 30–70 ms, every few dozen requests; it made most of the 95th-percentile
    spikes of the household pages (docs/PERFORMANCE.md "Households"). These objects live as long as the
    worker, so gc.freeze() moves them to the permanent generation and the full passes walk only what requests
    create. Reference counting still frees everything as before.
    """
    _patterns = get_resolver().url_patterns  # imports the URLconf and with it every view module
    gc.freeze()
