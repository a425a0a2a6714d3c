"""What a web worker does once, after its application is loaded (config/wsgi.py, config/asgi.py)."""

import gc

from django.urls import get_resolver


def freeze_loaded_objects() -> None:
    """Keep everything loaded so far (modules, models, URL patterns, views) out of the garbage collector.

    Python's full (generation 2) collection walks every tracked object of the process, Django and our apps
    included, every few dozen requests: the main source of the household pages' 95th-percentile spikes
    (docs/PERFORMANCE.md §Households). These objects live as long as the
    worker, so gc.freeze() moves them to the permanent generation and the full passes walk only what requests
    create. Reference counting still frees everything as before.
    """
    _patterns = get_resolver().url_patterns  # imports the URLconf and with it every view module
    gc.freeze()
