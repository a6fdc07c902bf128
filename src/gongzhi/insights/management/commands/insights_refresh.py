"""`gongzhi insights_refresh [--full] [--hotspots]`: bring the dashboards' rollups up to date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.insights import rollups


class Command(BaseCommand):
    help = "Refresh the insights rollups (incrementally; --full rebuilds them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="rebuild from all appeals")
        parser.add_argument(
            "--hotspots", action="store_true", help="also mine and store the hotspot snapshots"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rollups.refresh(full=options["full"])
        # A large backlog is taken in slices: go on until nothing is left.
        while not result.full and result.events >= rollups.DEFAULT_MAX_EVENTS:
            result = rollups.refresh()
        self.stdout.write(
            f"rollups {'rebuilt' if result.full else 'refreshed'}: {result.changed} appeals "
            f"changed, last event {result.last_event_id}, as of {result.as_of:%Y-%m-%d %H:%M}"
        )
        if options["hotspots"]:
            from gongzhi.insights.hotspots_job import refresh_hotspots

            self.stdout.write(f"hotspot snapshots stored: {refresh_hotspots()}")
