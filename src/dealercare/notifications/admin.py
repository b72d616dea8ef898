from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "store", "channel", "recipient", "subject", "status", "attempts"]
    list_filter = ["status", "channel", "store"]
    search_fields = ["subject", "idempotency_key"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False
