from django.contrib import admin

from dealercare.core.admin import WrittenByServicesAdmin

from .models import Complaint, SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "store",
        "severity",
        "first_response_minutes",
        "first_response_clock",
        "resolution_minutes",
        "resolution_clock",
        "escalate_at_percent",
        "compensation_approval_limit",
    ]
    list_filter = ["store", "severity"]


@admin.register(Complaint)
class ComplaintAdmin(WrittenByServicesAdmin):
    """Read-only: complaints move through the complaint pages and the API (the services)."""

    list_display = [
        "number",
        "store",
        "customer",
        "category",
        "severity",
        "status",
        "resolution_due",
    ]
    list_filter = ["store", "status", "severity", "category", "source"]
    search_fields = ["number", "customer__name"]
