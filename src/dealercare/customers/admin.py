from django.contrib import admin

from .models import Consent, Customer, CustomerEvent, Vehicle


class ReadOnlyAdmin(admin.ModelAdmin):
    """Customer data is written through the staff pages and the API (the services), so that
    every change is validated, audit-logged and on the timeline; the admin only shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["name", "mobile_masked", "store", "segment", "created_at"]
    list_filter = ["store", "segment", "source"]
    search_fields = ["name"]


@admin.register(Vehicle)
class VehicleAdmin(ReadOnlyAdmin):
    list_display = ["plate", "vin", "brand", "model", "owner", "store"]
    list_filter = ["store", "brand"]
    search_fields = ["plate", "vin"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["customer", "purpose", "granted", "source", "at"]
    list_filter = ["purpose", "granted"]


@admin.register(CustomerEvent)
class CustomerEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "customer", "kind", "summary", "actor"]
    list_filter = ["kind", "store"]
