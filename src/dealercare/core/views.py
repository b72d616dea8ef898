"""Helpers shared by page views."""

from django.forms import Form
from django.http import Http404, JsonResponse

from .errors import DomainError, NotFound


def form_add_domain_error(form: Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field == "mileage_km" and "mileage_km" in form.fields:
        field = "mileage_km"
    form.add_error(field, error.message)


def get_or_404(selector, **kwargs):
    """A selector's record for a page, or the 404 page when it does not exist or belongs to
    another store (the same answer in both cases)."""
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def health(request):
    """For a load balancer or monitor: the process answers. Touches no database, so it is also
    the benchmarks' ceiling (the cost of our middleware and server alone)."""
    return JsonResponse({"status": "ok"})
