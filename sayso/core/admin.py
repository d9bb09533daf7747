"""Django admin for site operators (superusers): every organization's data, with care."""

from django.contrib import admin

from sayso.core.models import ApiToken, AuditEntry, LoginLink, Membership, Organization, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "reports_to"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "support_email", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "lead"]
    list_filter = ["organization"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "team", "reports_to", "is_active"]
    list_filter = ["organization", "role", "is_active"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "reports_to"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "membership", "scopes", "last_used_at", "revoked_at"]
    list_filter = ["organization"]
    readonly_fields = ["digest", "prefix", "last_used_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "actor", "action", "object_type", "object_id"]
    list_filter = ["organization", "action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LoginLink)
class LoginLinkAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "created_at", "expires_at", "used_at"]
    list_filter = ["organization"]
    readonly_fields = ["digest"]
