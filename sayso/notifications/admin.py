from django.contrib import admin

from sayso.notifications.models import Alert


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "text", "read_at", "emailed_at"]
    list_filter = ["organization", "kind"]
    raw_id_fields = ["case", "commitment", "recipient"]
