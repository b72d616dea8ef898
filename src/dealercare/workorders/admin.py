from django.contrib import admin

from dealercare.core.admin import WrittenByServicesAdmin

from .models import RepairOrder, WorkshopPolicy


@admin.register(WorkshopPolicy)
class WorkshopPolicyAdmin(admin.ModelAdmin):
    list_display = ["store", "labour_rate", "comeback_days"]


@admin.register(RepairOrder)
class RepairOrderAdmin(WrittenByServicesAdmin):
    """Read-only: orders change through the workshop pages and the API (the services)."""

    list_display = [
        "number",
        "store",
        "vehicle",
        "job_type",
        "status",
        "promised_at",
        "delivered_at",
    ]
    list_filter = ["store", "status", "job_type"]
    search_fields = ["number", "vehicle__plate"]
