"""Admin for platform administrators: the category tree, deadline rules and the responsibility
list (written through services_config, audited), and appeals read-only with personal data
masked. Appeals and their timelines change only through the appeal pages and their services;
nothing here deletes an appeal or an event."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import services_config
from gongzhi.appeals.models import (
    Appeal,
    AppealEvent,
    AppealPhoto,
    Category,
    ResponsibilityRule,
    SlaRule,
)
from gongzhi.core.errors import DomainError
from gongzhi.core.masking import mask_name, mask_phone


class ReplacingRuleForm(forms.ModelForm):
    """The services create or replace the rule for its key: a rule for a key that has one
    already replaces it, so the form does not refuse it as a duplicate."""

    def _post_clean(self) -> None:
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]
        try:
            # The service checks the values; the key's uniqueness is the service's to resolve.
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(),  # type: ignore[attr-defined]
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]


CATEGORY_FIELDS = ("code", "name", "parent", "sla_class", "responsible", "keywords", "sort_order")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "sla_class", "responsible", "active", "sort_order"]
    list_filter = ["sla_class", "responsible", "active"]
    search_fields = ["code", "name", "keywords"]
    fields = CATEGORY_FIELDS
    raw_id_fields = ["parent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Codes are stable identifiers, and there is no service to change a category yet:
        # existing categories are shown read-only.
        return [*CATEGORY_FIELDS, "active"] if obj else []

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        if change:
            return
        try:
            created = services_config.create_category(
                actor=request.user,
                code=obj.code,
                name=obj.name,
                parent=obj.parent,
                sla_class=obj.sla_class,
                responsible=obj.responsible,
                keywords=obj.keywords,
                sort_order=obj.sort_order,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            obj.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    form = ReplacingRuleForm
    list_display = [
        "__str__",
        "community",
        "category",
        "sla_class",
        "urgency",
        "sign_amount",
        "sign_unit",
        "contact_amount",
        "contact_unit",
        "resolve_amount",
        "resolve_unit",
    ]
    list_filter = ["urgency", "sla_class"]
    list_select_related = ["community", "category"]
    raw_id_fields = ["community", "category"]
    key_fields = ["community", "category", "sla_class", "urgency"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # What a rule is for is fixed; a rule for something else is a new rule.
        return list(self.key_fields) if obj else []

    def save_model(self, request: HttpRequest, obj: SlaRule, form: Any, change: bool) -> None:
        try:
            rule = services_config.set_sla_rule(
                actor=request.user,
                community=obj.community,
                category=obj.category,
                sla_class=obj.sla_class,
                urgency=obj.urgency,
                sign=(obj.sign_amount, obj.sign_unit),
                contact=(obj.contact_amount, obj.contact_unit),
                resolve=(obj.resolve_amount, obj.resolve_unit),
                note=obj.note,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            obj.pk = rule.pk

    def delete_model(self, request: HttpRequest, obj: SlaRule) -> None:
        try:
            services_config.delete_sla_rule(actor=request.user, rule=obj)
        except DomainError as exc:
            messages.error(request, str(exc.message))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SlaRule]) -> None:
        for rule in queryset:
            self.delete_model(request, rule)


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(admin.ModelAdmin):
    form = ReplacingRuleForm
    list_display = ["__str__", "community", "category", "unit_type"]
    list_filter = ["unit_type"]
    list_select_related = ["community", "category"]
    raw_id_fields = ["community", "category"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["community", "category"] if obj else []

    def save_model(
        self, request: HttpRequest, obj: ResponsibilityRule, form: Any, change: bool
    ) -> None:
        try:
            rule = services_config.set_responsibility_rule(
                actor=request.user,
                community=obj.community,
                category=obj.category,
                unit_type=obj.unit_type,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            obj.pk = rule.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = AppealEvent
    fields = readonly_fields = (
        "created_at",
        "kind",
        "actor",
        "from_state",
        "to_state",
        "public",
        "text",
    )
    ordering = ["created_at", "id"]


class PhotoInline(ReadOnlyInline):
    model = AppealPhoto
    fields = readonly_fields = ("created_at", "content_type", "size", "width", "height")


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Read-only: the name and phone of who raised it are masked, and anonymous appeals show
    no name at all."""

    list_display = [
        "number",
        "title",
        "state",
        "category",
        "community",
        "grid",
        "masked_resident",
        "masked_phone",
        "created_at",
        "due_at",
    ]
    list_filter = ["state", "channel", "urgency", "by_proxy", "anonymous"]
    search_fields = ["number"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "community", "grid", "resident"]
    fields = readonly_fields = (
        "number",
        "state",
        "channel",
        "title",
        "text",
        "category",
        "category_source",
        "urgency",
        "community",
        "grid",
        "building",
        "masked_resident",
        "masked_phone",
        "anonymous",
        "by_proxy",
        "assigned_person",
        "owner_person",
        "owner_partner",
        "escalation_level",
        "sign_by",
        "contact_by",
        "resolve_by",
        "due_at",
        "supporters_count",
        "merged_into",
        "result",
        "rating",
        "created_at",
        "closed_at",
    )
    inlines = [EventInline, PhotoInline]

    @admin.display(description=_("resident"))
    def masked_resident(self, obj: Appeal) -> str:
        if obj.anonymous:
            return str(_("Anonymous resident"))
        name = obj.resident.name if obj.resident is not None else obj.contact_name
        return mask_name(name) if name else ""

    @admin.display(description=_("contact phone"))
    def masked_phone(self, obj: Appeal) -> str:
        return mask_phone(obj.contact_phone) if obj.contact_phone else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
