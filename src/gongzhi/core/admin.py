"""Admin for core: calendar days (written through the services) and the audit log (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from gongzhi.core.errors import DomainError
from gongzhi.core.models import AuditEvent, CalendarDay
from gongzhi.core.selectors_calendar import can_edit_calendar
from gongzhi.core.services_calendar import (
    clean_calendar_day,
    create_calendar_day,
    delete_calendar_day,
    update_calendar_day,
)


class CalendarDayAdminForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "note"]

    def clean(self) -> dict[str, Any] | None:
        """Ask the service's own checks, so that a bad value is a field error, not a 500."""
        data = super().clean() or {}
        day = data.get("date", self.instance.date if self.instance.pk else None)
        if day is None or "kind" not in data:
            return data
        try:
            clean_calendar_day(
                day=day, kind=data["kind"], name=data.get("name", ""), note=data.get("note", "")
            )
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, str(exc.message))
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayAdminForm
    list_display = ["date", "kind", "name", "note", "created_by", "updated_at"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]
    ordering = ["-date"]

    # Only the calendar's editors (platform administrators, street supervisors) may change it,
    # whatever Django model permissions a staff login holds: the services would refuse anyway.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_edit_calendar(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: CalendarDay | None = None) -> bool:
        return can_edit_calendar(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: CalendarDay | None = None) -> bool:
        return can_edit_calendar(request.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> Any:
        # The date of an existing entry never changes: delete it and add the new date.
        return ["date"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        if change:
            saved = update_calendar_day(
                actor=request.user,
                calendar_day=obj,
                kind=obj.kind,
                name=obj.name,
                note=obj.note,
            )
        else:
            saved = create_calendar_day(
                actor=request.user, day=obj.date, kind=obj.kind, name=obj.name, note=obj.note
            )
        # The admin goes on with `obj` (its log entry, its redirect): make it the saved row.
        obj.pk = saved.pk
        obj.created_by_id = saved.created_by_id
        obj.created_at = saved.created_at
        obj.updated_at = saved.updated_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        delete_calendar_day(actor=request.user, calendar_day=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for row in queryset:
            try:
                delete_calendar_day(actor=request.user, calendar_day=row)
            except DomainError as exc:
                self.message_user(request, f"{row}: {exc.message}", messages.ERROR)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only: the admin may read and filter the log, never add, change or delete."""

    list_display = [
        "created_at",
        "action",
        "object_type",
        "object_repr",
        "actor",
        "on_behalf_of",
        "scope_path",
        "request_id",
    ]
    list_filter = ["action", "object_type", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["actor", "on_behalf_of"]
    search_fields = ["object_repr", "object_id", "request_id", "actor__username", "scope_path"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "actor",
        "on_behalf_of",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "scope_path",
        "before",
        "after",
        "request_id",
    ]
    fields = tuple(readonly_fields)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
