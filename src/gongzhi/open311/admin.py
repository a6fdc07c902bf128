"""Admin for Open311 clients: browse, and switch keys off. Keys are issued by
`gongzhi open311_key create` (the key is printed once); the admin never shows a key."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import DomainError
from gongzhi.open311 import services
from gongzhi.open311.models import Open311Client, Open311Request


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "region", "active", "created_at", "created_by")
    list_filter = ("active",)
    search_fields = ("name", "prefix")
    readonly_fields = (
        "name",
        "region",
        "prefix",
        "active",
        "created_by",
        "created_at",
        "deactivated_at",
    )
    exclude = ("key_hash",)
    actions = ["deactivate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Deactivate the selected keys"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        done = 0
        for client in queryset.select_related("region"):
            try:
                services.deactivate_client(actor=request.user, client=client)
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                return
            done += 1
        self.message_user(request, _("%(n)d keys deactivated.") % {"n": done}, messages.SUCCESS)


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ("appeal", "client", "created_at")
    readonly_fields = ("appeal", "client", "token", "media_url", "address_string", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
