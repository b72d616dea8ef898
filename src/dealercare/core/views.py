"""Helpers shared by page views."""

from django.forms import Form

from .errors import DomainError


def form_add_domain_error(form: Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field == "mileage_km" and "mileage_km" in form.fields:
        field = "mileage_km"
    form.add_error(field, error.message)
