"""Admin for platform administrators: browse only. Wishes change through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.wishes.models import Wish, WishEvent


class WishEventInline(admin.TabularInline):
    model = WishEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "from_state", "to_state", "actor", "on_behalf_of", "text")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Wish)
class WishAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "category", "community", "grid", "created_at", "by_proxy"]
    list_filter = ["state", "category", "by_proxy"]
    search_fields = ["title"]
    list_select_related = ["community", "grid"]
    date_hierarchy = "created_at"
    inlines = [WishEventInline]
    exclude = ["wisher", "claimed_by"]  # names stay out of the admin's lists and forms

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
