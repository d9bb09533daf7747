from django.contrib import admin

from sayso.conversations.models import AutomatedMail, Case, Commitment, Handoff, Message


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "organization", "status", "priority", "assignee", "team"]
    list_filter = ["organization", "status", "priority", "channel"]
    search_fields = ["subject"]
    raw_id_fields = ["customer", "assignee"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "case", "channel", "direction", "visibility"]
    list_filter = ["organization", "channel", "direction", "visibility"]
    search_fields = ["body", "external_id"]
    raw_id_fields = ["case", "customer", "author_identity", "author_user"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["description", "case", "owner", "due_at", "status"]
    list_filter = ["organization", "status"]
    raw_id_fields = ["case", "customer", "owner", "created_by"]


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["case", "from_user", "to_user", "to_team", "created_at"]
    list_filter = ["organization"]
    raw_id_fields = ["case"]


@admin.register(AutomatedMail)
class AutomatedMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "kind", "sender", "subject", "case", "reason"]
    list_filter = ["organization", "kind"]
    search_fields = ["sender", "subject", "external_id", "reason"]
    raw_id_fields = ["case", "reported_message"]
