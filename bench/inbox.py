"""The staff pages of appeals at 1,000,000 appeals: inbox, "my appeals", overviews, ranking.

Loads the demo street into a scratch database, copies its two years of appeal history until
the table holds `--appeals` rows (raw multi-row inserts in batches, never submit_appeal one at a
time; the copies' dates moved so that their history ends now, so the share of open and overdue
appeals is the demo's; the demo's own rows keep theirs), then measures the server time of
each page in-process with Django's test Client (session, middleware, selectors, template:
everything but the network), `--repeat` requests after two warm-ups, and prints median and
p95 with the number of queries. `--with-index` first adds the indexes proposed for a
migration (see _extra_indexes).

    .venv/bin/python bench/inbox.py                       # SQLite file /tmp/bench_inbox.sqlite3
    .venv/bin/python bench/inbox.py --reuse               # measure again, without refilling
    .venv/bin/python bench/inbox.py --db postgres://postgres@127.0.0.1:5432/bench_inbox

Goal: every page under 100 ms (median and p95).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

GOAL_MS = 100.0
BATCH = 2_000


def _setup(db: str, reuse: bool) -> None:
    if "://" in db:
        url = db
        if not reuse:
            _recreate_pg(url)
    else:
        if not reuse and os.path.exists(db):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
        url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.settings"
    import django

    django.setup()
    from django.conf import settings

    # Production settings (DEBUG off: cached templates, no query log), but static URLs without
    # the collectstatic manifest, which a scratch checkout does not have.
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _recreate_pg(url: str) -> None:
    import psycopg

    base, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _fill(target: int, scale: float) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from gongzhi.appeals.demo_history import REFERENCE
    from gongzhi.appeals.models import Appeal
    from gongzhi.org.demo.loader import load_demo

    t0 = time.perf_counter()
    load_demo(actor=None, scale=scale)
    demo_seconds = time.perf_counter() - t0
    fields = [f for f in Appeal._meta.concrete_fields if f.column != "id"]
    columns = [f.column for f in fields]
    template = list(Appeal.objects.order_by("id").values_list(*[f.attname for f in fields]))
    shift = timezone.now() - REFERENCE
    date_cols = {i for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"}
    number_col = columns.index("number")
    key_col = columns.index("idempotency_key")
    ops = connection.ops
    base_rows = []
    for row in template:
        values = list(row)
        for i in date_cols:
            if values[i] is not None:
                values[i] = values[i] + shift
        base_rows.append(values)
    table = connection.ops.quote_name(Appeal._meta.db_table)
    cols_sql = ", ".join(connection.ops.quote_name(str(c)) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    existing = len(template)
    copies_needed = max(0, target - existing)
    t1 = time.perf_counter()
    written = 0
    copy = 0
    is_sqlite = connection.vendor == "sqlite"
    if is_sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    while written < copies_needed:
        copy += 1
        batch: list[Any] = []
        for values in base_rows:
            if written + len(batch) // len(columns) >= copies_needed:
                break
            out = list(values)
            out[number_col] = f"{values[number_col]}-{copy}"
            out[key_col] = ""
            for i in date_cols:
                if out[i] is not None:
                    out[i] = ops.adapt_datetimefield_value(out[i])
            batch.extend(out)
            if len(batch) // len(columns) >= BATCH:
                _insert(table, cols_sql, one, batch, len(columns))
                written += len(batch) // len(columns)
                batch = []
        if batch:
            _insert(table, cols_sql, one, batch, len(columns))
            written += len(batch) // len(columns)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "demo_seconds": demo_seconds,
        "fill_seconds": time.perf_counter() - t1,
        "demo_appeals": existing,
        "copied": written,
    }


def _insert(table: str, cols_sql: str, one: str, flat: list[Any], width: int) -> None:
    from django.db import connection, transaction

    n = len(flat) // width
    # SQLite allows at most 32,766 bound variables a statement: chunk accordingly.
    per = max(1, 30_000 // width)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, n, per):
            chunk = flat[start * width : min(n, start + per) * width]
            rows = len(chunk) // width
            sql = f"INSERT INTO {table} ({cols_sql}) VALUES " + ", ".join([one] * rows)  # noqa: S608
            cursor.execute(sql, chunk)


def _extra_indexes() -> list[str]:
    """Indexes the bench adds with --with-index (raw SQL; proposed for a migration of appeals).
    (`appeal_assigned_open`, once proposed here, is in the schema since migration 0003.)

    appeal_rates_cover     the three rates read eight columns of every appeal submitted in the
                           period; covering them in the (community, created_at) order lets the
                           grouped rates be answered from the index alone.
    """
    return [
        "CREATE INDEX IF NOT EXISTS appeal_rates_cover ON appeals_appeal "
        "(community_id, created_at, state, grid_id, owner_partner_id, street_id, "
        "signed_at, sign_by, replied_at, resolve_by, rating)",
    ]


def _measure(repeat: int) -> list[tuple[str, float, float, int, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from gongzhi.accounts.models import User
    from gongzhi.appeals import selectors
    from gongzhi.org.models import Region, RegionKind

    community = Region.objects.filter(kind=RegionKind.COMMUNITY).order_by("pk").first()
    street = Region.objects.filter(kind=RegionKind.STREET).order_by("pk").first()
    assert community is not None and street is not None
    inbox = reverse("appeals:inbox")
    cases: list[tuple[str, str, str]] = [
        ("inbox, grid worker", "demo_grid", inbox),
        ("inbox, grid worker, overdue only", "demo_grid", inbox + "?overdue=1"),
        ("inbox, community secretary", "demo_secretary", inbox),
        ("inbox, secretary, mine", "demo_secretary", inbox + "?mine=1"),
        ("inbox, street supervisor", "demo_street", inbox),
        ("inbox, street, category filter", "demo_street", inbox + "?category=%(cat)s"),
        ("inbox, partner handler", "demo_partner", inbox),
        (
            "community overview, this month",
            "demo_secretary",
            reverse("appeals:community", args=[community.pk]),
        ),
        (
            "community overview, this year",
            "demo_secretary",
            reverse("appeals:community", args=[community.pk]) + "?period=this_year",
        ),
        ("street overview, this month", "demo_street", reverse("appeals:street", args=[street.pk])),
        (
            "ranking, communities, this month",
            "demo_street",
            reverse("appeals:ranking") + "?level=community",
        ),
        (
            "ranking, grids, this year",
            "demo_street",
            reverse("appeals:ranking") + "?level=grid&period=this_year",
        ),
        (
            "ranking, partners, this quarter",
            "demo_secretary",
            reverse("appeals:ranking") + "?level=partner&period=this_quarter",
        ),
        ("notifications", "demo_grid", reverse("appeals:notifications")),
    ]
    try:
        cases.append(("my appeals (resident)", "demo_resident", reverse("appeals:mine")))
    except NoReverseMatch:
        cases.append(("my appeals (resident), selector", "demo_resident", ""))
    from gongzhi.appeals.models import Appeal

    cat = (
        Appeal.objects.filter(street=street, due_at__isnull=False)
        .values_list("category_id", flat=True)
        .first()
    )
    out = []
    for label, username, url in cases:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        url = url % {"cat": cat} if "%(cat)s" in url else url
        times: list[float] = []
        queries = 0
        size = 0
        for i in range(repeat + 2):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                if url:
                    response = client.get(url)
                    assert response.status_code == 200, (label, response.status_code)
                    size = len(response.content)
                else:
                    user = User.objects.get(username=username)
                    rows = selectors.rows_for(user, selectors.appeals_of_resident(user)[:50])
                    size = len(rows)
                elapsed = (time.perf_counter() - start) * 1000
            if i >= 2:
                times.append(elapsed)
                queries = len(ctx.captured_queries)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        out.append((label, statistics.median(times), p95, queries, size))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        default="/tmp/bench_inbox.sqlite3",  # noqa: S108 (a scratch file, by design)
        help="SQLite file, or a postgres:// URL (its database is recreated)",
    )
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="measure an already filled db")
    parser.add_argument(
        "--with-index",
        action="store_true",
        help="add the indexes proposed in the report (raw SQL) first",
    )
    args = parser.parse_args(argv)
    _setup(args.db, args.reuse)
    from django.db import connection

    from gongzhi.appeals.models import Appeal

    if not args.reuse:
        info = _fill(args.appeals, args.scale)
        print(
            f"demo loaded in {info['demo_seconds']:.1f} s ({info['demo_appeals']} appeals); "
            f"{info['copied']:,} copies inserted in {info['fill_seconds']:.1f} s"
        )
    with connection.cursor() as cursor:
        # Reproducible either way: the proposed indexes exist exactly when asked for.
        for sql in _extra_indexes():
            name = sql.split(" EXISTS ")[1].split()[0]
            cursor.execute(sql if args.with_index else f"DROP INDEX IF EXISTS {name}")
        cursor.execute("ANALYZE")
    print("proposed indexes:", "added" if args.with_index else "absent")
    total = Appeal.objects.count()
    open_ = Appeal.objects.filter(due_at__isnull=False).count()
    print(
        f"{connection.vendor}: {total:,} appeals, {open_:,} open "
        f"({open_ / max(total, 1):.1%}); {args.repeat} requests per page after 2 warm-ups"
    )
    results = _measure(args.repeat)
    width = max(len(r[0]) for r in results)
    print(f"{'page':<{width}}  {'median ms':>9}  {'p95 ms':>7}  {'queries':>7}  goal")
    slow = 0
    for label, median, p95, queries, _size in results:
        ok = p95 < GOAL_MS
        slow += not ok
        print(
            f"{label:<{width}}  {median:>9.1f}  {p95:>7.1f}  {queries:>7}  {'ok' if ok else 'SLOW'}"
        )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
