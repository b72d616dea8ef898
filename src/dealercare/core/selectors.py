import datetime as dt
import logging

from django.core.cache import cache

from .models import WorkerHeartbeat

WORKER_SEEN_CACHE_SECONDS = 20
logger = logging.getLogger(__name__)


def worker_last_seen() -> dt.datetime | None:
    """When a job worker last reported in. Every staff page shows it; the worker reports once a
    minute, so a time up to 20 seconds old says the same and spares a query per page. "Never"
    is not kept: a worker that has just started shows at once."""
    try:
        seen = cache.get("worker:last_seen")
    except Exception:  # the cache only spares a query: read it
        logger.warning("cache unavailable, reading the worker's heartbeat", exc_info=True)
        return _last_heartbeat()
    if seen is None:
        seen = _last_heartbeat()
        if seen is not None:
            cache.set("worker:last_seen", seen, timeout=WORKER_SEEN_CACHE_SECONDS)
    return seen


def _last_heartbeat() -> dt.datetime | None:
    heartbeat = WorkerHeartbeat.objects.order_by("-seen_at").only("seen_at").first()
    return heartbeat.seen_at if heartbeat else None
