from django.contrib import admin

from sayso.customers.models import Customer, CustomerMerge, Identity, TimelineEvent


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ["kind", "value", "label", "verified_at"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "public_name", "organization", "merged_into", "created_at"]
    list_filter = ["organization"]
    search_fields = ["display_name", "public_name", "identities__value"]
    inlines = [IdentityInline]
    raw_id_fields = ["merged_into"]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "customer", "organization"]
    list_filter = ["organization", "kind"]
    search_fields = ["value"]
    raw_id_fields = ["customer"]


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "organization", "created_at", "undone_at"]
    list_filter = ["organization"]
    readonly_fields = [f.name for f in CustomerMerge._meta.fields]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "customer", "kind", "summary", "customer_visible"]
    list_filter = ["organization", "kind"]
    raw_id_fields = ["customer", "case", "message", "commitment"]
