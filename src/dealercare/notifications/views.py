from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render

from dealercare.org.selectors import current_store_id

from .models import Message
from .selectors import message_list


@login_required
@permission_required("notifications.view_message", raise_exception=True)
def message_center(request):
    status = request.GET.get("status", "")
    if status not in Message.Status.values:
        status = ""
    messages = message_list(actor=request.user, store_id=current_store_id(request), status=status)
    page = Paginator(messages, 30).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": Message.Status.choices}
    return render(request, "notifications/message_center.html", context)
