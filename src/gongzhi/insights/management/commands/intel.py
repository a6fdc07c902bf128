"""`gongzhi intel train|evaluate|predict|build-default ...`: the intelligence engines' CLI.

The engines live in gongzhi.intel and import nothing from Django; this command only hands its
arguments over, so `gongzhi intel ...` and `python -m gongzhi.intel.cli ...` behave the same.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.intel import cli


class Command(BaseCommand):
    help = "Train, evaluate and run the routing classifier (see docs/intel.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("intel_args", nargs=argparse.REMAINDER)

    def run_from_argv(self, argv: list[str]) -> None:
        # Django's parser would reject the engines' own options: pass everything through.
        sys.exit(cli.main(argv[2:], prog="gongzhi intel"))

    def handle(self, *args: Any, **options: Any) -> None:
        code = cli.main(options["intel_args"], out=self.stdout, err=self.stderr)  # type: ignore[arg-type]
        if code:
            raise CommandError(f"gongzhi intel exited with status {code}", returncode=code)
