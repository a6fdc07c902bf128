"""Appeal intake under load: Gongzhi's production server against baisitong2, same machine,
same load, same texts.

Gongzhi: a fresh database (a temporary SQLite file by default, or `--postgres`: a database of
its own on DATABASE_URL's PostgreSQL server) with the demo street loaded, granian serving
gongzhi.asgi (the whole Django app with the intake fast path, docs/intake.md), residents with
personal API tokens. The load (bench/intake_load.py, a separate process) files appeals through
POST /api/v1/appeals with a Bearer token and an Idempotency-Key: routing, deadlines, the
timeline and audit rows and the notifications are all made, as for any appeal. Afterwards
every acknowledged appeal id is looked up in the database.

baisitong2 (PyPI; installed into bench/.venv-baisitong2, see below): its own server (uvicorn,
SQLite) measured on its create-and-dispatch API: POST /api/appeals (create and analyse with
its built-in rule engine) then POST /api/appeals/{id}/dispatch (智能派单, a work order); one
appeal is both requests. Its acknowledged ids are looked up in its database too. It runs
with `--baisitong2-concurrency` connections (8 by default): from 16 concurrent requests on,
its SQLAlchemy pool (5 + 10 overflow, held by handlers that block its event loop) runs dry and
it answers 500 after a 30 s wait, so at our concurrency it would measure close to 0/s.

    python3.11 -m venv bench/.venv-baisitong2
    bench/.venv-baisitong2/bin/pip install baisitong2
    .venv/bin/python bench/intake.py                # about 2 minutes

The last line: `intake: <ours>/s p99 <ms> ms; baisitong2 <theirs>/s; ratio <x>`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
BAISITONG2 = ROOT / "bench" / ".venv-baisitong2" / "bin" / "baisitong2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}) before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (local URL)
                if answer.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(cmd: list[str], env: dict[str, str], **kw: Any) -> str:
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, **kw)
    return done.stdout


def load(
    target: str, port: int, inputs: Path, out: Path, args: argparse.Namespace, concurrency: int
) -> dict[str, Any]:
    cmd = [str(VENV / "python"), str(ROOT / "bench" / "intake_load.py")]
    cmd += ["--target", target, "--port", str(port), "--input", str(inputs), "--out", str(out)]
    cmd += ["--concurrency", str(concurrency), "--warmup", str(args.warmup)]
    cmd += ["--duration", str(args.duration)]
    subprocess.run(cmd, check=True)
    return dict(json.loads(out.read_text(encoding="utf-8")))


def postgres_database(url: str, name: str) -> str:
    """A fresh database `name` on the server of `url` (dropped first if it exists)."""
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_gongzhi(tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ)
    if args.postgres:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        database = postgres_database(base, "gongzhi_bench_intake")
    else:
        database = f"sqlite:///{tmp / 'gongzhi.sqlite3'}"
    env.update(
        DATABASE_URL=database,
        GONGZHI_VAR_DIR=str(tmp / "var"),
        SECRET_KEY="bench-intake-not-secret",  # noqa: S106
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    (tmp / "var").mkdir(exist_ok=True)
    print(f"gongzhi: preparing {database} (migrate, demo street, tokens)", flush=True)
    run([str(VENV / "gongzhi"), "migrate", "-v0"], env)
    run([str(VENV / "gongzhi"), "demo", "--scale", str(args.scale)], env)
    inputs = tmp / "inputs.json"
    print(
        run(
            [str(VENV / "python"), str(ROOT / "bench" / "intake_setup.py"), "--out", str(inputs)],
            env,
        ).strip()
    )
    port = free_port()
    cmd = [str(VENV / "granian"), "--interface", "asgi", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(args.workers), "--loop", "uvloop", "--no-ws"]
    cmd += ["--log-level", "warning", "gongzhi.asgi:application"]
    server = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        wait_ready(f"http://127.0.0.1:{port}/api/v1/", server)
        print(f"gongzhi: granian, {args.workers} workers, port {port}: loading", flush=True)
        result = load("gongzhi", port, inputs, tmp / "gongzhi.json", args, args.concurrency)
    finally:
        stop(server)
    ids = tmp / "gongzhi-ids.json"
    ids.write_text(json.dumps(result["ids"]), encoding="utf-8")
    line = run(
        [str(VENV / "python"), str(ROOT / "bench" / "intake_setup.py"), "--verify", str(ids)], env
    ).strip()
    if args.postgres:
        drop_postgres_database(database)
    found, with_event, with_audit, _of, total = line.split()[1:]
    result["verified"] = (int(found), int(with_event), int(with_audit), int(total))
    result["inputs"] = inputs
    return result


def bench_baisitong2(tmp: Path, inputs: Path, args: argparse.Namespace) -> dict[str, Any] | None:
    if not BAISITONG2.exists():
        print(f"baisitong2: {BAISITONG2} is missing (see this file's docstring); skipped")
        return None
    db = tmp / "baisitong2.db"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}  # its rule engine
    env.pop("DATABASE_URL", None)
    cmd = [str(BAISITONG2), "--host", "127.0.0.1", "--port", str(port), "--db", f"sqlite:///{db}"]
    server = subprocess.Popen(
        cmd, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/docs", server)
        print(f"baisitong2: uvicorn, port {port}: loading", flush=True)
        result = load(
            "baisitong2", port, inputs, tmp / "baisitong2.json", args, args.baisitong2_concurrency
        )
    finally:
        stop(server)
    wanted = sorted(set(result["ids"]))
    with sqlite3.connect(db) as conn:
        found = dispatched = 0
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            found += conn.execute(
                f"SELECT COUNT(*) FROM appeals WHERE id IN ({marks})",  # noqa: S608
                part,
            ).fetchone()[0]
            dispatched += conn.execute(
                f"SELECT COUNT(DISTINCT appeal_id) FROM work_orders WHERE appeal_id IN ({marks})",  # noqa: S608
                part,
            ).fetchone()[0]
    result["verified"] = (found, dispatched, dispatched, len(wanted))
    return result


def report(name: str, r: dict[str, Any]) -> None:
    found, event, audit, total = r["verified"]
    print(
        f"{name:<10} {r['per_second']:8.0f}/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:7.1f} ms"
        f"  max {r['max_ms']:7.1f} ms  ok {r['ok']}  errors {r['errors']} {r['error_kinds'] or ''}"
    )
    print(
        f"{'':<10} acknowledged {total}: in the database {found}, "
        + (
            f"with timeline event {event}, audit event {audit}"
            if name == "gongzhi"
            else f"dispatched {event}"
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument("--scale", type=float, default=1.0, help="demo street scale")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--baisitong2-concurrency", type=int, default=8)
    parser.add_argument("--skip-baisitong2", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongzhi-intake-") as name:
        tmp = Path(name)
        ours = bench_gongzhi(tmp, args)
        theirs = None if args.skip_baisitong2 else bench_baisitong2(tmp, ours["inputs"], args)
    print()
    print(
        f"same machine, {os.cpu_count()} cores; {args.concurrency} connections "
        f"(baisitong2: {args.baisitong2_concurrency}), "
        f"{args.warmup:.0f} s warm-up, {args.duration:.0f} s measured; "
        f"database {'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    report("gongzhi", ours)
    if theirs is not None:
        report("baisitong2", theirs)
    lost = ours["verified"][3] - min(ours["verified"][:3])
    if lost:
        print(f"LOST: {lost} acknowledged appeals are not (completely) in the database")
    theirs_rate = theirs["per_second"] if theirs is not None else float("nan")
    ratio = ours["per_second"] / theirs_rate if theirs is not None and theirs_rate else float("nan")
    print(
        f"intake: {ours['per_second']:.0f}/s p99 {ours['p99_ms']:.0f} ms; "
        f"baisitong2 {theirs_rate:.0f}/s; ratio {ratio:.1f}"
    )
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
