"""Shapes shared by every part of the API: ids, errors, the documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Path, Schema

# Ids are positive 64-bit integers; anything else is a 422 naming the field, never a crash in
# the database driver (SQLite and PostgreSQL both refuse integers beyond int64).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the request's language.")
    field: str | None = Field(None, description="The input the message is about, if any.")
    code: str = Field(description="A stable machine-readable code.")


class ValidationErrorItem(Schema):
    field: str
    message: str
    type: str


class ValidationErrorOut(ErrorOut):
    errors: list[ValidationErrorItem]


def error_responses(*codes: int) -> dict[int, Any]:
    """The error statuses an operation documents (always 401 and 422, plus `codes`)."""
    out: dict[int, Any] = {401: ErrorOut, 422: ValidationErrorOut}
    for code in codes:
        out[code] = ErrorOut
    return out
