"""Limit/offset pagination with bounded inputs, for every list in the API.

GET /api/v1/people?limit=20&offset=40  ->  {"items": [...], "count": 123}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        offset = pagination.offset
        limit = min(pagination.limit, MAX_LIMIT)
        return {"items": queryset[offset : offset + limit], "count": self._items_count(queryset)}


class Mapped(Generic[M, T]):
    """A queryset whose page is turned into read models (masked cards) only when sliced."""

    def __init__(self, queryset: QuerySet[M], transform: Callable[[M], T]) -> None:
        self.queryset = queryset
        self.transform = transform

    def __getitem__(self, window: slice) -> list[T]:
        return [self.transform(obj) for obj in self.queryset[window]]

    def __iter__(self) -> Iterator[T]:
        return (self.transform(obj) for obj in self.queryset)

    def count(self) -> int:
        return self.queryset.count()

    def all(self) -> Mapped[M, T]:
        return self
