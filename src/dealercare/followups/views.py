import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dealercare.core.errors import DomainError
from dealercare.core.views import form_add_domain_error, get_or_404
from dealercare.customers.selectors import customer_timeline
from dealercare.org.selectors import current_store_id

from . import selectors, services
from .forms import OutcomeForm
from .models import FollowUpTask
from .scripts import script_lines

WORKLIST_PAGE_SIZE = 50


@login_required
@permission_required("followups.view_followuptask", raise_exception=True)
def worklist(request):
    kind = request.GET.get("kind", "")
    if kind not in FollowUpTask.Kind.values:
        kind = ""
    today = timezone.localdate()
    # A page holds more than a day's calls of one agent; the rest (upcoming days) are on the
    # next pages.
    worklist = selectors.worklist(
        actor=request.user, store_id=current_store_id(request), kind=kind, today=today
    )
    page = Paginator(worklist.values_list("pk", flat=True), WORKLIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "tasks": selectors.worklist_rows(worklist, list(page.object_list), today=today),
        "page": page,
        "kind": kind,
        "kinds": FollowUpTask.Kind.choices,
        "today": today,
        "can_reveal": request.user.has_perm("customers.reveal_mobile"),
        "summary": selectors.daily_summary(
            actor=request.user, store_id=current_store_id(request), day=today
        ),
    }
    return render(request, "followups/worklist.html", context)


def _task_or_404(request, task_id):
    return get_or_404(selectors.follow_up_get, actor=request.user, task_id=task_id)


@login_required
@permission_required("followups.view_followuptask", raise_exception=True)
def task_detail(request, task_id: int):
    task = _task_or_404(request, task_id)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("followups.change_followuptask"):
            raise Http404
        if form.is_valid():
            try:
                services.follow_up_record_outcome(
                    task=task, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                task.refresh_from_db()
                messages.success(
                    request,
                    _("已记录：%(customer)s %(status)s")
                    % {"customer": task.customer.name, "status": task.get_status_display()},
                )
                return redirect("followups:worklist")
    profile = getattr(request.user, "staff_profile", None)
    context = {
        "task": task,
        "form": form,
        "script": script_lines(
            task,
            agent_name=profile.display_name if profile else request.user.get_username(),
            weakest_items=_weakest_items(task),
        ),
        "timeline": customer_timeline(task.customer, limit=20),
        "attempts": task.attempt_log.select_related("actor__staff_profile"),
        "can_reveal": request.user.has_perm("customers.reveal_mobile"),
        "overdue": task.is_open and task.due_date < timezone.localdate(),
    }
    return render(request, "followups/task_detail.html", context)


def _weakest_items(task) -> list[str]:
    """The store's lowest-scoring survey items last month: extra questions in the script."""
    from dealercare.surveys.selectors import previous_month, weakest_items

    last_month = previous_month(timezone.localdate().replace(day=1))
    return weakest_items(store_id=task.store_id, month=last_month)


@login_required
@permission_required("followups.view_followuptask", raise_exception=True)
def summary(request):
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    context = {
        "summary": selectors.daily_summary(
            actor=request.user, store_id=current_store_id(request), day=day
        )
    }
    return render(request, "followups/summary.html", context)
