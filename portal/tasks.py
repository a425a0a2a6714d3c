"""The nightly pipeline: every app's nightly work, in the order the figures depend on each other.

1. the medical work (medical, reports): the discharge loop's next steps and the urgent mental-health follow-up's
   next weekly periods (before the engine places them), the medical coverages per village — signed but not
   served, health checks due and done, cards, contracts;
2. the overdue engine over every household (visits) — flags opened, closed, escalated;
3. the inbox messages from those flags (visits), then their delivery is queued;
4. the coverage snapshots of every village (reports), read by the dashboard;
5. the statistical forms' figure snapshots of every county (reports): last month, this month, quarter and year.

Each step recomputes from the source data, so a run that fails half-way and is retried, or runs twice, leaves
the data whole. Later apps (benefits, medical) add their nightly steps here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone

from core.db import enqueue
from reports.services import coverage_snapshot_refresh, medical_nightly_run
from reports.statforms.snapshots import statform_counts_nightly
from visits import engine
from visits.services import notifications_refresh
from visits.tasks import notifications_deliver


def _timed(step: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = step()
    return result, round(time.monotonic() - started, 3)


def nightly_pipeline_run(*, as_of: date) -> dict[str, Any]:
    """Run the nightly steps for ``as_of``; returns what each did and its seconds."""
    medical, medical_s = _timed(lambda: medical_nightly_run(as_of=as_of))
    flags, engine_s = _timed(lambda: engine.overdue_refresh(as_of=as_of))
    messages, notifications_s = _timed(lambda: notifications_refresh(as_of=as_of))
    snapshots, snapshots_s = _timed(lambda: coverage_snapshot_refresh(as_of=as_of))
    statforms, statforms_s = _timed(lambda: statform_counts_nightly(as_of=as_of))
    enqueue(notifications_deliver)  # a broker that is down: the beat's delivery job tries again
    return {
        "as_of": as_of.isoformat(),
        "medical": medical,
        "engine": flags.as_dict(),
        "notifications": messages,
        "snapshots": snapshots,
        "statforms": statforms,
        "seconds": {
            "medical": medical_s,
            "engine": engine_s,
            "notifications": notifications_s,
            "snapshots": snapshots_s,
            "statforms": statforms_s,
        },
    }


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def nightly_pipeline(as_of: str | None = None) -> dict[str, Any]:
    """Beat, every night, after the day's visits."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return nightly_pipeline_run(as_of=day)
