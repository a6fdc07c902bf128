"""The only code that writes accounts. Each service is atomic and audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed


@transaction.atomic
def change_own_password(*, actor: User, old_password: str, new_password: str) -> User:
    """The logged-in person changes their own password; the old one must be right."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Please log in first."))
    user = (
        User.objects.select_for_update(of=("self",))
        .select_related("person__region")
        .get(pk=actor.pk)
    )
    if not user.check_password(old_password):
        raise ValidationFailed(
            _("Your current password is not right. Please try again."), field="old_password"
        )
    if old_password == new_password:
        raise ValidationFailed(
            _("The new password must be different from the current one."), field="new_password1"
        )
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="new_password1") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(
        actor=user,
        action="user.password_change",
        obj=user,
        object_repr=user.get_username(),
        scope_path=user.person.region.path if user.person else "",
    )
    return user
