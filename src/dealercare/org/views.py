from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dealercare.core.errors import NotFound

from .selectors import CURRENT_STORE_SESSION_KEY, store_get


@login_required
@require_POST
def store_switch(request):
    """Group HQ staff choose the store they work in (empty = all stores)."""
    store_id = request.POST.get("store_id", "")
    if store_id.isdigit():
        try:
            request.session[CURRENT_STORE_SESSION_KEY] = store_get(
                actor=request.user, store_id=int(store_id)
            ).pk
        except NotFound:
            request.session.pop(CURRENT_STORE_SESSION_KEY, None)
    else:
        request.session.pop(CURRENT_STORE_SESSION_KEY, None)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "customers:list"
    return redirect(target)
