"""The dashboard's tables as an xlsx workbook (openpyxl): summary, league table, categories,
channels, grids. Figures from insights.selectors only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from gongzhi.insights import selectors as sel


def _pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def workbook(actor: Any, place: sel.Place, period: sel.Period) -> Workbook:
    book = Workbook()
    summary = book.active or book.create_sheet()
    summary.title = _("Summary")[:31]
    figures = sel.summary(place, period)
    summary.append([_("Place"), place.region.name])
    summary.append([_("From"), period.first.isoformat()])
    summary.append([_("To"), period.last.isoformat()])
    as_of = sel.as_of()
    summary.append([_("Figures as of"), as_of.isoformat() if as_of else ""])
    summary.append([])
    rows = [
        (_("Appeals submitted"), figures.counts["submitted"]),
        (_("Counted for the rates"), figures.counts["counted"]),
        (_("Open"), figures.counts["open"]),
        (_("Overdue"), figures.counts["overdue"]),
        (_("Escalated"), figures.counts["escalated"]),
        (_("Closed"), figures.counts["closed"]),
        (_("Response rate (%)"), _pct(figures.rates.response)),
        (_("Resolution rate (%)"), _pct(figures.rates.resolution)),
        (_("Satisfaction rate (%)"), _pct(figures.rates.satisfaction)),
        (_("Composite score (%)"), _pct(figures.rates.composite)),
    ]
    for label, value in rows:
        summary.append([label, value])

    table = book.create_sheet(_("League table")[:31])
    table.append(
        [
            _("Place"),
            _("Appeals"),
            _("Response rate (%)"),
            _("Resolution rate (%)"),
            _("Satisfaction rate (%)"),
            _("Composite score (%)"),
            _("Overdue"),
            _("Escalated"),
        ]
    )
    for row in sel.league(place, period):
        table.append(
            [
                row.region.name,
                row.counts["submitted"],
                _pct(row.rates.response),
                _pct(row.rates.resolution),
                _pct(row.rates.satisfaction),
                _pct(row.rates.composite),
                row.counts["overdue"],
                row.counts["escalated"],
            ]
        )

    cats = book.create_sheet(_("Categories")[:31])
    cats.append([_("Category"), _("Appeals")])
    for name, n in sel.top_categories(place, period, limit=1000):
        cats.append([name, n])

    channels = book.create_sheet(_("Channels")[:31])
    channels.append([_("Channel"), _("Appeals")])
    for name, n in sel.by_channel(place, period):
        channels.append([name, n])

    grids = book.create_sheet(_("Grids")[:31])
    grids.append([_("Grid"), _("Appeals")])
    cells, _shapes = sel.heat(place, period)
    for cell in cells:
        grids.append([cell.name, cell.count])
    return book
