from django.contrib import admin

from dealercare.core.admin import WrittenByServicesAdmin

from .models import InsurancePolicy, Reminder, ServiceInterval


@admin.register(ServiceInterval)
class ServiceIntervalAdmin(admin.ModelAdmin):
    list_display = ["brand", "model", "km", "months"]


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(admin.ModelAdmin):
    list_display = ["vehicle", "insurer", "end_date", "renewed_at", "renewed_with_us", "store"]
    list_filter = ["store", "insurer", "renewed_with_us"]
    raw_id_fields = ["vehicle"]


@admin.register(Reminder)
class ReminderAdmin(WrittenByServicesAdmin):
    list_display = ["send_on", "kind", "stage", "vehicle", "status", "booked_appointment"]
    list_filter = ["kind", "stage", "status", "store"]
