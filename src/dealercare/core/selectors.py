import datetime as dt

from django.core.cache import cache

from .models import WorkerHeartbeat

WORKER_SEEN_CACHE_SECONDS = 20


def worker_last_seen() -> dt.datetime | None:
    """When a job worker last reported in. Every staff page shows it; the worker reports once a
    minute, so a time up to 20 seconds old says the same and spares a query per page. "Never"
    is not kept: a worker that has just started shows at once."""
    seen = cache.get("worker:last_seen")
    if seen is None:
        heartbeat = WorkerHeartbeat.objects.order_by("-seen_at").only("seen_at").first()
        if heartbeat is not None:
            seen = heartbeat.seen_at
            cache.set("worker:last_seen", seen, timeout=WORKER_SEEN_CACHE_SECONDS)
    return seen
