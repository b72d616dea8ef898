from django.contrib import admin

from dealercare.core.admin import WrittenByServicesAdmin

from .models import Appointment, Bay, BlockedPeriod, BookingPolicy, ServiceCapacity


@admin.register(Bay)
class BayAdmin(admin.ModelAdmin):
    list_display = ["store", "name", "is_active"]
    list_filter = ["store", "is_active"]


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "store",
        "slot_minutes",
        "days_ahead",
        "delivery_slot_minutes",
        "delivery_capacity",
    ]


@admin.register(ServiceCapacity)
class ServiceCapacityAdmin(admin.ModelAdmin):
    list_display = ["store", "service_type", "per_slot"]
    list_filter = ["store", "service_type"]


@admin.register(BlockedPeriod)
class BlockedPeriodAdmin(admin.ModelAdmin):
    list_display = ["store", "start", "end", "reason"]
    list_filter = ["store"]


@admin.register(Appointment)
class AppointmentAdmin(WrittenByServicesAdmin):
    """Read-only: bookings change through the day plan and the API (the services)."""

    list_display = ["start", "store", "customer", "service_type", "channel", "status", "bay"]
    list_filter = ["store", "status", "channel", "kind"]
    date_hierarchy = "start"
