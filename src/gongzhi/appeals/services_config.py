"""The only code that writes the appeals configuration: categories, deadline rules (SLA) and
the responsibility list (权责清单). Atomic and audited; every write invalidates the cached
routing configuration of this process at once and again on commit (others re-check their
version stamp within seconds, see config.get_config).

Who may: a platform administrator for platform-wide rules and categories; the community's
staff or secretary for their own community's rules (the issue: "configurable by the
community"). actor None is the system (the demo loader, migrations).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.access import COMMUNITY_ROLES
from gongzhi.appeals.config import invalidate_config
from gongzhi.appeals.defaults import CATEGORY_TREE
from gongzhi.appeals.models import (
    GRID_UNIT,
    UNIT_TYPES,
    Category,
    ResponsibilityRule,
    SlaClass,
    SlaRule,
    Urgency,
)
from gongzhi.appeals.sla import DEFAULT_RULES
from gongzhi.core import audit
from gongzhi.core.calendar import Unit
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.org.models import Region, RegionKind
from gongzhi.org.scopes import scope_for

MAX_AMOUNT = {
    Unit.HOURS: Decimal(24 * 400),
    Unit.DAYS: Decimal(400),
    Unit.WORKING_DAYS: Decimal(300),
    Unit.WORKING_HOURS: Decimal(300 * 7),
}


def _changed() -> None:
    invalidate_config()
    transaction.on_commit(invalidate_config)


def _require_platform(actor: Any) -> None:
    if actor is None:
        return
    if not scope_for(actor).is_admin:
        raise PermissionDenied(_("Only a platform administrator can change this."))


def _require_community(actor: Any, community: Region | None) -> None:
    if community is None:
        _require_platform(actor)
        return
    if community.kind not in (RegionKind.COMMUNITY, RegionKind.VILLAGE):
        raise ValidationFailed(_("Choose a community or a village."), field="community")
    if actor is not None and not scope_for(actor).covers(community.path, COMMUNITY_ROLES):
        raise PermissionDenied(_("This is outside your area or your role."))


def _span(value: Any, unit: Any, field: str) -> tuple[Decimal, str]:
    try:
        unit = Unit(unit)
    except ValueError:
        raise ValidationFailed(_("Choose a unit."), field=f"{field}_unit") from None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter a number."), field=f"{field}_amount") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT[unit]:
        raise ValidationFailed(
            _("Enter a number above 0 and at most %(max)s.") % {"max": MAX_AMOUNT[unit]},
            field=f"{field}_amount",
        )
    if unit == Unit.WORKING_DAYS and amount != amount.to_integral_value():
        raise ValidationFailed(_("Working days must be a whole number."), field=f"{field}_amount")
    return amount.quantize(Decimal("0.01")), unit.value


SLA_FIELDS = [
    "sign_amount",
    "sign_unit",
    "contact_amount",
    "contact_unit",
    "resolve_amount",
    "resolve_unit",
    "note",
]


@transaction.atomic
def set_sla_rule(
    *,
    actor: Any,
    community: Region | None,
    category: Category | None = None,
    sla_class: str = "",
    urgency: str = Urgency.NORMAL,
    sign: tuple[Any, Any],
    contact: tuple[Any, Any],
    resolve: tuple[Any, Any],
    note: str = "",
) -> SlaRule:
    """Create or replace the deadline rule for (community, category or class, urgency).
    Each of sign/contact/resolve is (amount, unit)."""
    _require_community(actor, community)
    if urgency not in Urgency.values:
        raise ValidationFailed(_("Choose normal or urgent."), field="urgency")
    if sla_class and sla_class not in SlaClass.values:
        raise ValidationFailed(_("Choose a deadline class."), field="sla_class")
    if category is not None and sla_class:
        raise ValidationFailed(
            _("A rule is for a category or for a deadline class, not both."), field="sla_class"
        )
    values: dict[str, Any] = {"note": (note or "").strip()[:200]}
    for name, span in (("sign", sign), ("contact", contact), ("resolve", resolve)):
        amount, unit = _span(span[0], span[1], name)
        values[f"{name}_amount"] = amount
        values[f"{name}_unit"] = unit
    existing = (
        SlaRule.objects.select_for_update()
        .filter(community=community, category=category, sla_class=sla_class, urgency=urgency)
        .first()
    )
    before = audit.snapshot(existing, SLA_FIELDS) if existing is not None else None
    if existing is None:
        try:
            with transaction.atomic():
                rule = SlaRule.objects.create(
                    community=community,
                    category=category,
                    sla_class=sla_class,
                    urgency=urgency,
                    **values,
                )
        except IntegrityError as exc:
            raise Conflict(
                _("Someone else has just saved this rule; reload and try again."), field="rule"
            ) from exc
    else:
        rule = existing
        for key, value in values.items():
            setattr(rule, key, value)
        rule.save()
    audit.record(
        actor=actor,
        action="sla_rule.set",
        obj=rule,
        scope_path=community.path if community is not None else "",
        before=before,
        after={
            **audit.snapshot(rule, SLA_FIELDS),
            "category": category.code if category else None,
            "sla_class": sla_class,
            "urgency": urgency,
        },
    )
    _changed()
    return rule


@transaction.atomic
def delete_sla_rule(*, actor: Any, rule: SlaRule) -> None:
    found = SlaRule.objects.select_related("community").filter(pk=rule.pk).first()
    if found is None:
        raise NotFound(_("No such rule."))
    rule = found
    _require_community(actor, rule.community)
    audit.record(
        actor=actor,
        action="sla_rule.delete",
        obj=rule,
        scope_path=rule.community.path if rule.community else "",
        before=audit.snapshot(rule, SLA_FIELDS),
    )
    rule.delete()
    _changed()


@transaction.atomic
def set_responsibility_rule(
    *, actor: Any, community: Region | None, category: Category, unit_type: str
) -> ResponsibilityRule:
    """权责清单: in `community` (None: everywhere), `category` goes to `unit_type`."""
    _require_community(actor, community)
    if unit_type not in UNIT_TYPES:
        raise ValidationFailed(_("Choose the grid or a kind of partner unit."), field="unit_type")
    rule, created = _get_or_create_rule(community, category, unit_type)
    before = None if created else {"unit_type": rule.unit_type}
    if not created and rule.unit_type != unit_type:
        rule.unit_type = unit_type
        rule.save(update_fields=["unit_type", "updated_at"])
    audit.record(
        actor=actor,
        action="responsibility_rule.set",
        obj=rule,
        scope_path=community.path if community is not None else "",
        before=before,
        after={"category": category.code, "unit_type": unit_type},
    )
    _changed()
    return rule


def _get_or_create_rule(
    community: Region | None, category: Category, unit_type: str
) -> tuple[ResponsibilityRule, bool]:
    existing = (
        ResponsibilityRule.objects.select_for_update()
        .filter(community=community, category=category)
        .first()
    )
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return (
                ResponsibilityRule.objects.create(
                    community=community, category=category, unit_type=unit_type
                ),
                True,
            )
    except IntegrityError:
        found = ResponsibilityRule.objects.get(community=community, category=category)
        return found, False


@transaction.atomic
def create_category(
    *,
    actor: Any,
    code: str,
    name: str,
    parent: Category | None = None,
    sla_class: str = SlaClass.GENERAL,
    responsible: str = GRID_UNIT,
    keywords: str = "",
    sort_order: int = 0,
) -> Category:
    _require_platform(actor)
    code = (code or "").strip()
    name = (name or "").strip()
    if not code or len(code) > 40:
        raise ValidationFailed(_("Enter a code of at most 40 characters."), field="code")
    if not name or len(name) > 100:
        raise ValidationFailed(_("Enter a name of at most 100 characters."), field="name")
    if parent is not None and parent.parent_id is not None:
        raise ValidationFailed(_("Categories have two levels only."), field="parent")
    if sla_class not in SlaClass.values:
        raise ValidationFailed(_("Choose a deadline class."), field="sla_class")
    if responsible not in UNIT_TYPES:
        raise ValidationFailed(_("Choose the grid or a kind of partner unit."), field="responsible")
    try:
        with transaction.atomic():
            category = Category.objects.create(
                code=code,
                name=name,
                parent=parent,
                sla_class=sla_class,
                responsible=responsible,
                keywords=" ".join(keywords.split()),
                sort_order=sort_order,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("The code %(code)s is already in use.") % {"code": code}, field="code"
        ) from exc
    audit.record(
        actor=actor,
        action="category.create",
        obj=category,
        after={"code": code, "name": name, "parent": parent.code if parent else None},
    )
    _changed()
    return category


@dataclass(frozen=True)
class Installed:
    categories: int
    sla_rules: int
    responsibility_rules: int


@transaction.atomic
def install_defaults(*, actor: Any = None, communities: Iterable[Region] = ()) -> Installed:
    """The default category tree and platform deadline rules, and for each of `communities`
    a responsibility list copied from the categories' defaults (for the community to edit).
    Idempotent: what exists is left as it is (a community's edits are never overwritten)."""
    _require_platform(actor)
    communities = list(communities)
    have = set(Category.objects.values_list("code", flat=True))
    created_categories = 0
    order = 0
    for top in CATEGORY_TREE:
        order += 10
        if top.code not in have:
            Category.objects.create(code=top.code, name=top.name, sort_order=order)
            created_categories += 1
        parent = Category.objects.get(code=top.code)
        for i, leaf in enumerate(top.leaves, start=1):
            if leaf.code in have:
                continue
            Category.objects.create(
                code=leaf.code,
                name=leaf.name,
                parent=parent,
                sla_class=leaf.sla_class,
                responsible=leaf.responsible,
                keywords=leaf.keywords,
                sort_order=order + i,
            )
            created_categories += 1
    created_rules = 0
    platform_rules = set(
        SlaRule.objects.filter(community__isnull=True, category__isnull=True).values_list(
            "sla_class", "urgency"
        )
    )
    for (sla_class, urgency), (sign, contact, resolve) in DEFAULT_RULES.items():
        if (sla_class, urgency) in platform_rules:
            continue
        SlaRule.objects.create(
            sla_class=sla_class,
            urgency=urgency,
            sign_amount=sign.amount,
            sign_unit=sign.unit,
            contact_amount=contact.amount,
            contact_unit=contact.unit,
            resolve_amount=resolve.amount,
            resolve_unit=resolve.unit,
            note="default (12345 practice)",
        )
        created_rules += 1
    created_resp = 0
    leaves = list(Category.objects.filter(parent__isnull=False, active=True))
    for community in communities:
        existing = set(
            ResponsibilityRule.objects.filter(community=community).values_list(
                "category_id", flat=True
            )
        )
        new = [
            ResponsibilityRule(community=community, category=c, unit_type=c.responsible)
            for c in leaves
            if c.pk not in existing
        ]
        ResponsibilityRule.objects.bulk_create(new)
        created_resp += len(new)
    audit.record(
        actor=actor,
        action="appeals.install_defaults",
        object_type="appeals.category",
        after={
            "categories": created_categories,
            "sla_rules": created_rules,
            "responsibility_rules": created_resp,
            "communities": [c.pk for c in communities],
        },
    )
    _changed()
    return Installed(created_categories, created_rules, created_resp)
