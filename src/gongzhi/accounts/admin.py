from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "phone", "person", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "phone", "person__name"]
    raw_id_fields = ["person"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Community"), {"fields": ("phone", "person")}),
    )
