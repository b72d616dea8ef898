from django.contrib import admin

from dealercare.core.admin import WrittenByServicesAdmin

from .models import FollowUpPolicy, FollowUpTask


@admin.register(FollowUpPolicy)
class FollowUpPolicyAdmin(admin.ModelAdmin):
    list_display = ["store", "due_working_days", "max_attempts", "home_visit_share"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(WrittenByServicesAdmin):
    """Read-only: outcomes are recorded on the worklist and through the API (the services)."""

    list_display = ["kind", "store", "customer", "status", "result", "due_date", "attempts"]
    list_filter = ["store", "kind", "status", "result"]
    date_hierarchy = "due_date"
