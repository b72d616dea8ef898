from django.utils import timezone

from dealercare.core.selectors import worker_last_seen

from .selectors import current_store_id, staff_profile_of, stores_visible


def staff_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/c/"):
        return {}
    stores = stores_visible(actor=user)
    current_id = current_store_id(request)
    worker_seen = worker_last_seen()
    return {
        "staff_profile": staff_profile_of(user),
        "switchable_stores": stores if len(stores) > 1 else [],
        "current_store": next((s for s in stores if s.id == current_id), None),
        "worker_seen_at": worker_seen,
        "worker_stale": worker_seen is None or (timezone.now() - worker_seen).total_seconds() > 180,
    }
