"""`gongzhi demo [--seed N] [--scale F]`: load the demo community and print the logins."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongzhi.core.errors import DomainError
from gongzhi.org.demo import DEFAULT_SEED, format_result, load_demo
from gongzhi.org.demo.loader import MAX_SCALE, MIN_SCALE


def _scale(value: str) -> float:
    try:
        scale = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"must be between {MIN_SCALE} and {MAX_SCALE}")
    return scale


class Command(BaseCommand):
    help = (
        "Load the demo community, a fictional street of Chuzhou with a community, a village, "
        "about 3,000 households and 8,000 residents, and print one login per role. "
        "Running it again creates nothing and prints the logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"random seed; the same seed gives the same people (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--scale",
            type=_scale,
            default=1.0,
            help="multiply household, resident and member counts, e.g. 0.02 (default 1.0)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_demo(
                actor=None,
                seed=options["seed"],
                scale=options["scale"],
                today=timezone.localdate(),
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(format_result(result))
