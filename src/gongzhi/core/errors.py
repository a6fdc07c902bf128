"""Domain errors. Services raise these; views turn them into form errors, the API into 4xx JSON.

Each error carries a translatable message and, where it is about one input, the field name.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"detail": str(self.message), "field": self.field, "code": self.code}


class ValidationFailed(DomainError):
    status_code = 400
    code = "invalid"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """An illegal state transition or a lost race: the request was fine, the state is not."""

    status_code = 409
    code = "conflict"
