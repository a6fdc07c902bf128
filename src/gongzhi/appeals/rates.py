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
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Appeal, RatingValue
from gongzhi.appeals.states import State
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import ValidationFailed

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


def rates_multi(
    qs: QuerySet[Appeal],
    groups: Sequence[str],
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
    weights_: Mapping[str, float] | None = None,
    basically_counts: bool = True,
) -> tuple[Rates, dict[str, dict[Any, Rates]]]:
    """The rates of the whole population and per value of each column of `groups` (e.g. per
    grid and per partner unit), in one query grouped by all the columns together: the counts
    are additive, so each grouping is a sum over the finer groups."""
    for group in groups:
        if group not in GROUPS:
            raise ValueError(f"cannot group rates by {group!r}")
    now = now or timezone.now()
    names = list(_aggregates(now))
    rows = (
        _population(qs, start, end).order_by().values(*groups).annotate(**_aggregates(now))
        if groups
        else [_population(qs, start, end).aggregate(**_aggregates(now))]
    )
    total: dict[str, int] = dict.fromkeys(names, 0)
    per: dict[str, dict[Any, dict[str, int]]] = {g: {} for g in groups}
    for row in rows:
        for name in names:
            value = int(row[name] or 0)
            total[name] += value
            for group in groups:
                bucket = per[group].setdefault(row[group], dict.fromkeys(names, 0))
                bucket[name] += value
    out = {
        group: {
            key: from_counts(c, weights_=weights_, basically_counts=basically_counts)
            for key, c in buckets.items()
        }
        for group, buckets in per.items()
    }
    return from_counts(total, weights_=weights_, basically_counts=basically_counts), out


# --- periods and weights, as the pages take them ------------------------------------------------

PRESETS: dict[str, Promise] = {
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_quarter": _("This quarter"),
    "this_year": _("This year"),
}
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """[start, end) in Shanghai time; `first` and `last` are the days shown to the user."""

    preset: str  # one of PRESETS, or "" for a custom range
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(0), tzinfo=SHANGHAI)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    month = day.year * 12 + day.month - 1 - back
    return dt.date(month // 12, month % 12 + 1, 1)


def preset_period(preset: str, today: dt.date) -> Period:
    """A named period ending today at the latest (this month so far, the whole of last month,
    this quarter so far, this year so far)."""
    if preset == "last_month":
        first = _month_start(today, 1)
        return Period(preset, first, _month_start(today) - dt.timedelta(days=1))
    if preset == "this_quarter":
        first = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return Period(preset, first, today)
    if preset == "this_year":
        return Period(preset, dt.date(today.year, 1, 1), today)
    return Period("this_month", _month_start(today), today)


def _day(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            _("Enter a date as YYYY-MM-DD, e.g. 2026-09-01."), field=field
        ) from None


def period_from(
    params: Mapping[str, str], *, today: dt.date | None = None
) -> tuple[Period, ValidationFailed | None]:
    """The period a page asks for: `from` and `to` (days, inclusive) or `period` (a preset).
    A bad range falls back to this month, with the error to show."""
    today = today or timezone.now().astimezone(SHANGHAI).date()
    first_s = (params.get("from") or "").strip()
    last_s = (params.get("to") or "").strip()
    if first_s or last_s:
        try:
            first = _day(first_s, "from") if first_s else _month_start(today)
            last = _day(last_s, "to") if last_s else today
            if last < first:
                raise ValidationFailed(_("The end date is before the start date."), field="to")
            if (last - first).days > MAX_PERIOD_DAYS:
                raise ValidationFailed(_("Choose a period of at most three years."), field="from")
        except ValidationFailed as error:
            return preset_period("this_month", today), error
        return Period("", first, last), None
    preset = params.get("period") or "this_month"
    return preset_period(preset if preset in PRESETS else "this_month", today), None


WEIGHT_LABELS: dict[str, Promise] = {
    "response": _("Response rate"),
    "resolution": _("Resolution rate"),
    "satisfaction": _("Satisfaction rate"),
}


def weights_from(params: Mapping[str, str]) -> dict[str, float]:
    """Weights from the parameters `w_response`, `w_resolution` and `w_satisfaction` (each a
    number from 0 to 100, e.g. 30 or 0.3; absent: the configured weight). Raises
    ValidationFailed naming the parameter for anything else, or when all are zero."""
    out = weights()
    for name in DEFAULT_WEIGHTS:
        field = f"w_{name}"
        raw = (params.get(field) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or value > 100:
            raise ValidationFailed(
                _("The weight of the %(rate)s must be a number from 0 to 100.")
                % {"rate": str(WEIGHT_LABELS[name]).lower()},
                field=field,
            )
        out[name] = value
    if sum(out.values()) <= 0:
        raise ValidationFailed(_("At least one weight must be above zero."), field="w_response")
    return out
