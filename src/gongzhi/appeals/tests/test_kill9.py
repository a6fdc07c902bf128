"""Durability of the intake fast path: kill -9 the real server (granian, gongzhi.asgi) in the
middle of a load, start it again, and find every appeal that was answered 201 in the database,
with its timeline and audit rows; a retried key answers the first appeal, across the restart.

On a temporary SQLite file, and on a PostgreSQL database of its own (created and dropped here)
when the server in DATABASE_URL (or postgres://postgres@127.0.0.1:5432/postgres) is reachable.
"""

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
TEXT = "小区门口的路灯坏了好几天，晚上太黑"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/postgres"

SETUP = """
import json, django
django.setup()
from gongzhi.api.services import issue_api_token
from gongzhi.appeals.tests.factories import build_street
world = build_street()
issued = issue_api_token(actor=world.users["resident_a1"], name="kill9")
print(json.dumps({"secret": issued.secret, "building_id": world.building_a1.pk}))
"""


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url, tmp_path):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="gongzhi.settings",
        GONGZHI_VAR_DIR=str(tmp_path),
        SECRET_KEY="kill9-test-not-secret",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        GONGZHI_TESTING="0",
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def prepare(env):
    subprocess.run([BIN / "gongzhi", "migrate", "-v0"], env=env, check=True, timeout=180)  # noqa: S603
    out = subprocess.run(  # noqa: S603
        [BIN / "python", "-c", SETUP], env=env, check=True, timeout=120, capture_output=True
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def start(env, port):
    cmd = [BIN / "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", "2", "--loop", "uvloop", "--no-ws", "--log-level", "warning"]
    cmd += ["gongzhi.asgi:application"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited while starting"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def kill9(proc):
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


class Load:
    """Threads posting appeals with fresh keys; what was answered 201, and what was sent but
    never answered (in flight when the server died)."""

    def __init__(self, port, setup, threads=6):
        self.port, self.setup = port, setup
        self.acked = {}  # key -> appeal id
        self.unanswered = set()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def body(self):
        return json.dumps({"text": TEXT, "building_id": self.setup["building_id"]})

    def headers(self, key):
        return {
            "Authorization": f"Bearer {self.setup['secret']}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            key = f"k9-{uuid.uuid4().hex}"
            try:
                conn.request("POST", "/api/v1/appeals", self.body(), self.headers(key))
                answer = conn.getresponse()
                data = answer.read()
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.unanswered.add(key)
                return  # the server is gone
            if answer.status == 201:
                with self.lock:
                    self.acked[key] = json.loads(data)["id"]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


def post(port, load, key):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/appeals", load.body(), load.headers(key))
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read())


def kill_mid_load_and_restart(env, tmp_path, count_rows):
    setup = prepare(env)
    port = free_port()
    server = start(env, port)
    try:
        with Load(port, setup) as load:
            deadline = time.monotonic() + 30
            while len(load.acked) < 150 and time.monotonic() < deadline:
                time.sleep(0.05)
            kill9(server)
        assert len(load.acked) >= 150, "too few appeals acknowledged before the kill"
        server = start(env, port)
        # Every acknowledged appeal is there, with its timeline event and its audit event.
        ids = sorted(load.acked.values())
        assert count_rows(ids) == (len(ids), len(ids), len(ids))
        # A retry after the restart answers the first appeal, and files nothing.
        key, first_id = next(iter(load.acked.items()))
        status, body = post(port, load, key)
        assert (status, body["id"]) == (200, first_id)
        # A request the server never answered is filed exactly once when retried.
        for key in list(load.unanswered)[:3]:
            status, body = post(port, load, key)
            assert status in (200, 201)
            assert count_rows([body["id"]]) == (1, 1, 1)
        status, _body = post(port, load, "after-restart")
        assert status == 201
    finally:
        if server.poll() is None:
            kill9(server)
    return ids


def test_kill9_sqlite(tmp_path):
    db = tmp_path / "kill9.sqlite3"
    env = server_env(f"sqlite:///{db}", tmp_path)

    def count_rows(ids):
        wanted = (json.dumps(ids),)
        names = (json.dumps([str(i) for i in ids]),)
        with sqlite3.connect(db) as conn:
            appeals = conn.execute(
                "SELECT COUNT(*) FROM appeals_appeal WHERE id IN (SELECT value FROM json_each(?))",
                wanted,
            ).fetchone()[0]
            events = conn.execute(
                "SELECT COUNT(DISTINCT appeal_id) FROM appeals_appealevent WHERE kind ="
                " 'submitted' AND appeal_id IN (SELECT value FROM json_each(?))",
                wanted,
            ).fetchone()[0]
            audits = conn.execute(
                "SELECT COUNT(DISTINCT object_id) FROM core_auditevent WHERE action ="
                " 'appeal.submit' AND object_id IN (SELECT value FROM json_each(?))",
                names,
            ).fetchone()[0]
        return appeals, events, audits

    kill_mid_load_and_restart(env, tmp_path, count_rows)


def test_kill9_postgresql(tmp_path):
    psycopg = pytest.importorskip("psycopg")
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = PG_DEFAULT
    name = f"gongzhi_kill9_{os.getpid()}"
    server = base.rsplit("/", 1)[0]
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server reachable")
    url = f"{server}/{name}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:

            def count_rows(ids):
                with psycopg.connect(url) as conn:
                    appeals = conn.execute(
                        "SELECT COUNT(*) FROM appeals_appeal WHERE id = ANY(%s)", (ids,)
                    ).fetchone()[0]
                    events = conn.execute(
                        "SELECT COUNT(DISTINCT appeal_id) FROM appeals_appealevent"
                        " WHERE kind = 'submitted' AND appeal_id = ANY(%s)",
                        (ids,),
                    ).fetchone()[0]
                    audits = conn.execute(
                        "SELECT COUNT(DISTINCT object_id) FROM core_auditevent"
                        " WHERE action = 'appeal.submit' AND object_id = ANY(%s)",
                        ([str(i) for i in ids],),
                    ).fetchone()[0]
                return appeals, events, audits

            kill_mid_load_and_restart(server_env(url, tmp_path), tmp_path, count_rows)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
