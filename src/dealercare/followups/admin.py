from django.contrib import admin

from .models import FollowUpPolicy, FollowUpTask


@admin.register(FollowUpPolicy)
class FollowUpPolicyAdmin(admin.ModelAdmin):
    list_display = ["store", "due_working_days", "max_attempts", "home_visit_share"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    """Read-only: outcomes are recorded on the worklist and through the API (the services)."""

    list_display = ["kind", "store", "customer", "status", "result", "due_date", "attempts"]
    list_filter = ["store", "kind", "status", "result"]
    date_hierarchy = "due_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
