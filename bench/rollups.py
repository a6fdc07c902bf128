"""Dashboards from incrementally maintained rollups vs the naive GROUP BY over appeals.

Fills a scratch database with N appeals (default 1,000,000) in one street of 10 communities x
10 grids over one year, builds the rollups (full rebuild), then times each dashboard aggregate
from the rollups and the same figure by GROUP BY over the appeals, in the same run, and an
incremental refresh after 1,000 appeals change.

    .venv/bin/python bench/rollups.py            # SQLite: /tmp/gongzhi_bench_rollups.sqlite3
    .venv/bin/python bench/rollups.py --n 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gongzhi_bench \
        .venv/bin/python bench/rollups.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup(db_url: str, fresh: bool) -> None:
    if db_url.startswith("sqlite:///") and fresh:
        path = Path(db_url.removeprefix("sqlite://"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(n: int, seed: int = 1) -> None:
    from django.db import connection, transaction

    from gongzhi.appeals.models import Appeal, Category, Channel
    from gongzhi.appeals.services_config import install_defaults
    from gongzhi.core.calendar import SHANGHAI
    from gongzhi.org.models import Region, RegionKind

    rng = random.Random(seed)
    with transaction.atomic():
        street = Region.objects.create(kind=RegionKind.STREET, name="基准街道", code="B", path="/")
        street.path = f"/{street.pk}/"
        street.save()
        grids: list[tuple[int, int, str]] = []
        for c in range(10):
            comm = Region.objects.create(
                kind=RegionKind.COMMUNITY,
                name=f"社区{c}",
                code=f"B{c}",
                parent=street,
                path=f"/{street.pk}/c{c}/",
                depth=1,
            )
            comm.path = f"{street.path}{comm.pk}/"
            comm.save()
            for g in range(10):
                x, y = 118.3 + c * 0.01, 32.3 + g * 0.01
                ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
                grid = Region.objects.create(
                    kind=RegionKind.GRID,
                    name=f"网格{c}-{g}",
                    code=f"B{c}-{g}",
                    parent=comm,
                    path=f"{comm.path}g{g}/",
                    depth=2,
                    geometry={"type": "Polygon", "coordinates": [ring]},
                )
                grid.path = f"{comm.path}{grid.pk}/"
                grid.save()
                grids.append((comm.pk, grid.pk, grid.path))
        install_defaults(actor=None, communities=[])
    cats = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    columns = [str(f.column) for f in Appeal._meta.concrete_fields if f.column != "id"]
    table = Appeal._meta.db_table
    start = dt.datetime(2025, 9, 1, tzinfo=SHANGHAI)
    end = dt.datetime(2026, 9, 1, tzinfo=SHANGHAI)
    span = (end - start).total_seconds()
    channels = list(Channel.values)
    states = (
        ["closed"] * 70
        + ["replied"] * 8
        + ["in_progress"] * 8
        + ["submitted"] * 6
        + ["rejected"] * 4
        + ["merged"] * 4
    )
    ratings = ["satisfied"] * 6 + ["basically"] * 3 + ["dissatisfied"]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(table)} "  # noqa: S608
        f"({', '.join(connection.ops.quote_name(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    now = end
    t0 = time.perf_counter()
    batch: list[list[Any]] = []
    for i in range(n):
        comm_id, grid_id, path = rng.choice(grids)
        created = start + dt.timedelta(seconds=rng.random() * span)
        state = rng.choice(states)
        sign_by = created + dt.timedelta(hours=2)
        resolve_by = created + dt.timedelta(days=5)
        signed = (
            created + dt.timedelta(hours=rng.choice([0.5, 1, 3])) if state != "submitted" else None
        )
        replied = (
            created + dt.timedelta(days=rng.choice([1, 3, 7]))
            if state in ("closed", "replied")
            else None
        )
        is_open = state in ("submitted", "in_progress")
        row = {
            "number": f"GZ-B-{i:08d}",
            "channel": rng.choice(channels),
            "title": "路灯不亮",
            "text": "小区门口的路灯坏了",
            "category_id": rng.choice(cats),
            "category_source": "resident",
            "urgency": "normal",
            "state": state,
            "street_id": street.pk,
            "community_id": comm_id,
            "grid_id": grid_id,
            "building_id": None,
            "scope_path": path,
            "latitude": None,
            "longitude": None,
            "resident_id": None,
            "submitted_by_id": None,
            "by_proxy": False,
            "submitter_ref": "",
            "idempotency_key": "",
            "anonymous": False,
            "contact_name": "",
            "contact_phone": "",
            "assigned_person_id": None,
            "owner_person_id": None,
            "owner_partner_id": None,
            "escalation_level": rng.choice([0] * 9 + [1]),
            "cycle_started_at": created,
            "sign_by": sign_by,
            "contact_by": created + dt.timedelta(hours=24),
            "resolve_by": resolve_by,
            "due_at": (resolve_by if is_open else None),
            "next_check_at": None,
            "alarms": 0,
            "signed_at": signed,
            "first_contact_at": signed,
            "replied_at": replied,
            "closed_at": replied if state == "closed" else None,
            "reopened_at": None,
            "reopened_count": 0,
            "merged_into_id": None,
            "supporters_count": 1,
            "result": "",
            "rating": rng.choice(ratings) if state == "closed" and rng.random() < 0.8 else "",
            "rated_at": None,
            "created_at": created,
            "updated_at": now,
        }
        batch.append([row[c] for c in columns])
        if len(batch) >= 20000 or i == n - 1:
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, batch)
            batch = []
    print(f"filled {n:,} appeals in {time.perf_counter() - t0:.1f} s")


def timed(fn: Callable[[], Any], repeat: int = 5, warm: bool = True) -> tuple[float, Any]:
    out = fn() if warm else None
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), out


def run(args: argparse.Namespace) -> None:
    setup(args.db, fresh=not args.reuse)
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from gongzhi.appeals import rates
    from gongzhi.appeals.models import Appeal, AppealEvent, EventKind
    from gongzhi.core.calendar import SHANGHAI
    from gongzhi.insights import rollups
    from gongzhi.insights import selectors as sel
    from gongzhi.insights.models import Rollup
    from gongzhi.org.models import Region, RegionKind

    if not args.reuse:
        fill(args.n)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
    n = Appeal.objects.count()
    now = dt.datetime(2026, 9, 1, tzinfo=SHANGHAI)
    t = time.perf_counter()
    rollups.refresh(now=now, full=not args.no_rebuild)
    what = "refresh" if args.no_rebuild else "full rebuild"
    print(
        f"{what} of the rollups over {n:,} appeals: {time.perf_counter() - t:.1f} s "
        f"({Rollup.objects.count():,} rollup rows)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    street = sel.Place(Region.objects.get(kind=RegionKind.STREET))
    community = sel.Place(Region.objects.filter(kind=RegionKind.COMMUNITY).order_by("pk")[0])
    grid = sel.Place(Region.objects.filter(kind=RegionKind.GRID).order_by("pk")[0])
    year = sel.Period(dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    month = sel.Period(dt.date(2026, 8, 1), dt.date(2026, 8, 31))
    base = Appeal.objects.all()

    def naive_over_time(place: sel.Place, period: sel.Period, column: str) -> Any:
        return list(
            base.filter(place.q(), created_at__gte=period.start, created_at__lt=period.end)
            .annotate(d=TruncDate("created_at", tzinfo=SHANGHAI))
            .values("d", column)
            .annotate(n=Count("pk"))
            .order_by()
        )

    def naive_heat(place: sel.Place, period: sel.Period) -> Any:
        return list(
            base.filter(place.q(), created_at__gte=period.start, created_at__lt=period.end)
            .values("grid_id")
            .annotate(n=Count("pk"))
            .order_by()
        )

    Case = tuple[str, Callable[[], Any], Callable[[], Any]]

    def cases_for(label: str, place: sel.Place, period: sel.Period) -> list[Case]:
        q = place.q()
        child = "grid_id" if place.region.kind != RegionKind.STREET else "community_id"

        def summary() -> Any:
            return sel.summary(place, period).rates

        def naive_summary() -> Any:
            return rates.rates(base.filter(q), start=period.start, end=period.end, now=now)

        def league() -> Any:
            return [r.rates for r in sel.league(place, period)]

        def naive_league() -> Any:
            return rates.rates_by(
                base.filter(q), child, start=period.start, end=period.end, now=now
            )

        return [
            (f"{label}: totals and three rates", summary, naive_summary),
            (f"{label}: league table", league, naive_league),
            (
                f"{label}: by category per day",
                lambda: sel.over_time(place, period, "c"),
                lambda: naive_over_time(place, period, "category_id"),
            ),
            (
                f"{label}: by channel per day",
                lambda: sel.over_time(place, period, "h"),
                lambda: naive_over_time(place, period, "channel"),
            ),
            (
                f"{label}: heat map per grid",
                lambda: sel.heat(place, period)[0],
                lambda: naive_heat(place, period),
            ),
        ]

    cases: list[Case] = []
    for label, place in (("street", street), ("community", community), ("grid", grid)):
        for plabel, period in (("year", year), ("month", month)):
            cases += cases_for(f"{label}/{plabel}", place, period)
    print(f"\n{connection.vendor}, {n:,} appeals; ms (rollups: median of 5 warm runs)")
    print(f"{'aggregate':48} {'rollups':>9} {'GROUP BY':>10} {'ratio':>7}")
    worst = 0.0
    for name, fast, slow in cases:
        t_fast, _a = timed(fast)
        t_slow, _b = timed(slow, repeat=args.naive_repeat, warm=False)
        worst = max(worst, t_fast)
        print(f"{name:48} {t_fast:9.1f} {t_slow:10.1f} {t_slow / max(t_fast, 0.001):6.0f}x")
    print(f"slowest rollup aggregate: {worst:.1f} ms (goal < 200 ms)")

    # An incremental refresh after 1,000 appeals change (events written as the services do).
    ids = (
        list(base.order_by("?").values_list("pk", flat=True)[:1000])
        if connection.vendor == "postgresql"
        else list(
            base.filter(pk__in=random.Random(2).sample(range(1, n + 1), 1000)).values_list(
                "pk", flat=True
            )
        )
    )
    Appeal.objects.filter(pk__in=ids).update(rating="dissatisfied", state="closed", due_at=None)
    AppealEvent.objects.bulk_create(
        [AppealEvent(appeal_id=i, kind=EventKind.CONFIRMED, created_at=now) for i in ids]
    )
    t = time.perf_counter()
    result = rollups.refresh(now=now)
    print(
        f"incremental refresh, {len(ids)} appeals changed: "
        f"{(time.perf_counter() - t) * 1000:.0f} ms ({result.changed} facts changed)"
    )
    t = time.perf_counter()
    result = rollups.refresh(now=now)
    print(f"incremental refresh with nothing new: {(time.perf_counter() - t) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument(
        "--db",
        default=os.environ.get("DATABASE_URL", "sqlite:////tmp/gongzhi_bench_rollups.sqlite3"),
    )
    parser.add_argument("--reuse", action="store_true", help="keep the filled database")
    parser.add_argument("--naive-repeat", type=int, default=1)
    parser.add_argument(
        "--no-rebuild", action="store_true", help="with --reuse: keep the rollups built"
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
