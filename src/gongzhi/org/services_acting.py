"""代办: staff acting on behalf of a resident. Starting and ending are audited.

The view keeps who is being acted for in the session; these services decide whether that may
start and leave the trace. Every change made while acting passes `on_behalf_of` to the service
that makes it, so its audit row names both the staff member and the resident.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.org.models import Person
from gongzhi.org.scopes import ACT_FOR_ROLES, scope_for


@transaction.atomic
def begin_acting_for(*, actor: Any, person: Person) -> Person:
    """Start acting on behalf of `person`: staff with an act-for role over the person's region."""
    scope = scope_for(actor)
    person = Person.objects.select_related("region").get(pk=person.pk)
    if not scope.covers(person.region.path, ACT_FOR_ROLES):
        raise PermissionDenied(_("You may not act on behalf of this resident."))
    if scope.person_id is not None and scope.person_id == person.pk:
        raise ValidationFailed(_("You cannot act on behalf of yourself."), field="person")
    audit.record(
        actor=actor,
        action="acting.start",
        obj=person,
        on_behalf_of=person,
        scope_path=person.region.path,
    )
    return person


@transaction.atomic
def end_acting_for(*, actor: Any, person_id: int) -> None:
    """Stop acting on behalf of a person. Always allowed: losing a role must not trap anyone."""
    person = Person.objects.select_related("region").filter(pk=person_id).first()
    if person is None:
        audit.record(
            actor=actor, action="acting.stop", object_type="org.person", object_id=str(person_id)
        )
        return
    audit.record(
        actor=actor,
        action="acting.stop",
        obj=person,
        on_behalf_of=person,
        scope_path=person.region.path,
    )
