"""`gongzhi appeals_train`: retrain the routing classifier from this platform's appeals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.appeals.router_intel import current_version
from gongzhi.appeals.router_training import train_from_database
from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Train the appeal routing classifier on this platform's confirmed appeals, compare it "
        "with the keyword router on a held-out split, and publish it for intake."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20_000, help="newest N confirmed appeals")
        parser.add_argument("--holdout", type=float, default=0.2, help="share held out (0 = none)")
        parser.add_argument("--min-per-class", type=int, default=5)
        parser.add_argument("--dry-run", action="store_true", help="measure only; publish nothing")
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when a model is published"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_missing"] and current_version() is not None:
            self.stdout.write(f"A routing model is published already: {current_version()}")
            return
        try:
            report = train_from_database(
                limit=options["limit"],
                holdout=options["holdout"],
                min_per_class=options["min_per_class"],
                dry_run=options["dry_run"],
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"{report.examples} confirmed appeals in {report.classes} categories "
            f"({report.holdout} held out) in {report.seconds} s"
        )
        if report.dropped_classes:
            rare = ", ".join(f"{c} ({n})" for c, n in sorted(report.dropped_classes.items()))
            self.stdout.write(f"too few examples, left to the keyword router: {rare}")
        if report.model_macro_f1 is not None and report.keyword_macro_f1 is not None:
            self.stdout.write(
                f"held-out macro-F1: model {report.model_macro_f1:.3f}, "
                f"keyword router {report.keyword_macro_f1:.3f}"
            )
        if report.published:
            self.stdout.write(f"published model {report.published}")
