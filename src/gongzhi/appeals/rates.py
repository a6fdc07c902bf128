"""The three rates (三率) and a composite score, over any queryset of appeals and a period.

Definitions (docs/rates.md): the population is the appeals *submitted* in [start, end),
without duplicates merged into another appeal and without rejected ones (不予受理 is not a
case handled), each measured on its latest cycle (a reopen sets new deadlines).

* response rate = signed for by the sign-for deadline / appeals due for signing (signed for,
  or whose sign-for deadline has passed by `now`);
* resolution rate = replied by the resolve deadline / appeals due for resolution (replied, or
  whose resolve deadline has passed by `now`);
* satisfaction rate = (satisfied + basically satisfied) / rated. "Basically satisfied"
  counts as satisfied, as in 12345 practice; `basically_counts=False` gives the strict rate.
* composite = the weighted mean of the rates that have a denominator, weights from the
  setting GONGZHI_RATES_WEIGHTS (default response 0.3, resolution 0.4, satisfaction 0.3).

Each function is one aggregate query (rates_by: one grouped query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from gongzhi.appeals.models import Appeal, RatingValue
from gongzhi.appeals.states import State

DEFAULT_WEIGHTS: dict[str, float] = {"response": 0.3, "resolution": 0.4, "satisfaction": 0.3}
GROUPS = frozenset(
    {"street_id", "community_id", "grid_id", "owner_partner_id", "owner_person_id", "category_id"}
)


@dataclass(frozen=True)
class Rates:
    appeals: int
    due_sign: int
    signed_in_time: int
    due_resolve: int
    resolved_in_time: int
    rated: int
    satisfied: int
    basically: int
    dissatisfied: int
    response: float | None
    resolution: float | None
    satisfaction: float | None
    composite: float | None


def weights() -> dict[str, float]:
    configured = getattr(settings, "GONGZHI_RATES_WEIGHTS", None) or {}
    out = dict(DEFAULT_WEIGHTS)
    out.update({k: float(v) for k, v in dict(configured).items() if k in DEFAULT_WEIGHTS})
    return out


def _aggregates(now: dt.datetime) -> dict[str, Any]:
    return {
        "appeals": Count("pk"),
        "due_sign": Count("pk", filter=Q(signed_at__isnull=False) | Q(sign_by__lte=now)),
        "signed_in_time": Count(
            "pk", filter=Q(signed_at__isnull=False, signed_at__lte=F("sign_by"))
        ),
        "due_resolve": Count("pk", filter=Q(replied_at__isnull=False) | Q(resolve_by__lte=now)),
        "resolved_in_time": Count(
            "pk", filter=Q(replied_at__isnull=False, replied_at__lte=F("resolve_by"))
        ),
        "rated": Count("pk", filter=~Q(rating="")),
        "satisfied": Count("pk", filter=Q(rating=RatingValue.SATISFIED)),
        "basically": Count("pk", filter=Q(rating=RatingValue.BASICALLY)),
        "dissatisfied": Count("pk", filter=Q(rating=RatingValue.DISSATISFIED)),
    }


def _population(qs: QuerySet[Appeal], start: dt.datetime, end: dt.datetime) -> QuerySet[Appeal]:
    return qs.filter(created_at__gte=start, created_at__lt=end).exclude(
        state__in=[State.MERGED, State.REJECTED]
    )


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def from_counts(
    counts: Mapping[str, int],
    *,
    weights_: Mapping[str, float] | None = None,
    basically_counts: bool = True,
) -> Rates:
    w = dict(weights_ or weights())
    good = counts["satisfied"] + (counts["basically"] if basically_counts else 0)
    response = _ratio(counts["signed_in_time"], counts["due_sign"])
    resolution = _ratio(counts["resolved_in_time"], counts["due_resolve"])
    satisfaction = _ratio(good, counts["rated"])
    parts = [
        (w.get(name, 0.0), value)
        for name, value in (
            ("response", response),
            ("resolution", resolution),
            ("satisfaction", satisfaction),
        )
        if value is not None and w.get(name, 0.0) > 0
    ]
    total_weight = sum(weight for weight, _value in parts)
    composite = (
        sum(weight * value for weight, value in parts) / total_weight if total_weight else None
    )
    return Rates(
        appeals=counts["appeals"],
        due_sign=counts["due_sign"],
        signed_in_time=counts["signed_in_time"],
        due_resolve=counts["due_resolve"],
        resolved_in_time=counts["resolved_in_time"],
        rated=counts["rated"],
        satisfied=counts["satisfied"],
        basically=counts["basically"],
        dissatisfied=counts["dissatisfied"],
        response=response,
        resolution=resolution,
        satisfaction=satisfaction,
        composite=composite,
    )


def rates(
    qs: QuerySet[Appeal],
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
    weights_: Mapping[str, float] | None = None,
    basically_counts: bool = True,
) -> Rates:
    """The three rates and the composite of the appeals of `qs` submitted in [start, end)."""
    now = now or timezone.now()
    counts = _population(qs, start, end).aggregate(**_aggregates(now))
    return from_counts(counts, weights_=weights_, basically_counts=basically_counts)


def rates_by(
    qs: QuerySet[Appeal],
    group: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
    weights_: Mapping[str, float] | None = None,
    basically_counts: bool = True,
) -> dict[Any, Rates]:
    """The rates per grid, community, street, partner unit, owner or category (`group` is
    the column, e.g. "grid_id"), in one grouped query."""
    if group not in GROUPS:
        raise ValueError(f"cannot group rates by {group!r}")
    now = now or timezone.now()
    rows = _population(qs, start, end).order_by().values(group).annotate(**_aggregates(now))
    return {
        row[group]: from_counts(row, weights_=weights_, basically_counts=basically_counts)
        for row in rows
    }
