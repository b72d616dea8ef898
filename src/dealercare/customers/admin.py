from django.contrib import admin

from dealercare.core.admin import ReadOnlyAdmin

from .models import Consent, Customer, CustomerEvent, Vehicle


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
