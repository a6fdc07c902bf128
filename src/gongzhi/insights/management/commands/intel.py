"""`gongzhi intel train|evaluate|predict|hotspots|duplicates ...`: the intelligence CLI.

The engines live in gongzhi.intel and import nothing from Django; this command hands its
arguments over, so `gongzhi intel ...` and `python -m gongzhi.intel.cli ...` behave the
same.  One exception: `gongzhi intel hotspots` without `--csv` reads the appeals of the
database (`--window 7d [--scope PATH_OR_REGION_ID] [--top 10]`), through
gongzhi.insights.hotspot_source.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import DomainError
from gongzhi.intel import cli


def _db_parser(prog: str) -> argparse.ArgumentParser:
    parser = cli._Parser(
        prog=f"{prog} hotspots",
        description="Hotspots and spike alerts of the appeals in the database.",
    )
    parser.add_argument("--window", default="7d", help="day, week, month, 24h, 7d, 30d or all")
    parser.add_argument("--scope", default="", help="region path or id (default: everything)")
    parser.add_argument("--top", type=int, default=10, help="hotspots to print (10)")
    parser.add_argument("--now", help="end of the window (default: now)")
    parser.add_argument("--no-progress", action="store_true")
    return parser


def run_db_hotspots(argv: Sequence[str], out: TextIO, err: TextIO, prog: str) -> int:
    from gongzhi.insights.hotspot_source import mine_hotspots, resolve_scope

    try:
        args = _db_parser(prog).parse_args(list(argv))
        now = None
        if args.now:
            now = cli.parse_time(args.now)
            if now is None:
                raise cli.UsageError(f"--now {args.now!r}: not a date or time")
        scope_path = resolve_scope(args.scope)
        found, alerts = mine_hotspots(
            scope_path=scope_path,
            window=args.window,
            now=now,
            progress=None if args.no_progress else cli.progress_bar(err),
        )
        cli.print_hotspots(found, out, top=max(args.top, 0), alerts=alerts)
        grouped = sum(h.count for h in found)
        print(f"{len(found)} hotspots, {grouped} appeals grouped", file=out)
        return 0
    except (cli.UsageError, DomainError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=err)
        return 130
    except Exception as exc:  # last resort: one line, never a traceback
        print(f"error: unexpected failure: {type(exc).__name__}: {exc}", file=err)
        return 1


def dispatch(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    argv = list(argv)
    out = out or sys.stdout
    err = err or sys.stderr
    if (
        argv
        and argv[0] == "hotspots"
        and not any(a == "--csv" or a.startswith("--csv=") for a in argv[1:])
    ):
        if any(a in {"-h", "--help"} for a in argv[1:]):
            _db_parser("gongzhi intel").print_help(out)
            print("\nWith --csv FILE it reads a file instead: see `--csv x --help`.", file=out)
            return 0
        return run_db_hotspots(argv[1:], out, err, "gongzhi intel")
    return cli.main(argv, out=out, err=err, prog="gongzhi intel")


class Command(BaseCommand):
    help = "Classifier, hotspots and duplicates of the intelligence engines (docs/intel.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("intel_args", nargs=argparse.REMAINDER)

    def run_from_argv(self, argv: list[str]) -> None:
        # Django's parser would reject the engines' own options: pass everything through.
        from django.db import connections

        code = dispatch(argv[2:])
        connections.close_all()
        sys.exit(code)

    def handle(self, *args: Any, **options: Any) -> None:
        code = dispatch(options["intel_args"], out=self.stdout, err=self.stderr)  # type: ignore[arg-type]
        if code:
            raise CommandError(f"gongzhi intel exited with status {code}", returncode=code)
