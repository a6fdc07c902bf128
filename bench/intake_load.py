"""The intake benchmark's load generator: a separate process, keep-alive HTTP/1.1 connections.

A minimal asyncio client (no dependency; uvloop when installed) so that the load costs the
2-core machine as little CPU as possible: `--concurrency` connections each send one request,
wait for its answer, send the next. After `--warmup` seconds it measures for `--duration`
seconds and writes JSON to `--out`: appeals acknowledged per second, latency percentiles,
errors, and the ids of every acknowledged appeal (to check against the database afterwards).

Targets (`--target`):
- gongzhi: POST /api/v1/appeals with a Bearer token and an Idempotency-Key; 201 acknowledges.
- baisitong2: POST /api/appeals (create and analyse), then POST /api/appeals/{id}/dispatch
  (智能派单); an appeal counts when both answered 200 and its latency spans both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import time
import uuid
from pathlib import Path
from typing import Any


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}", "", ""]
        self.writer.write("\r\n".join(head).encode("latin-1") + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                raise HttpError("chunked answers are not supported")
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        data = await self.reader.readexactly(length or 0)
        if close:
            self.close()
        return status, data


class Run:
    def __init__(self, args: argparse.Namespace, data: dict[str, Any]) -> None:
        self.args = args
        self.texts: list[str] = data["texts"]
        self.callers: list[dict[str, Any]] = data["callers"]
        self.counter = itertools.count()
        self.measuring = False
        self.stopping = False
        self.latencies: list[float] = []
        self.ok = 0
        self.errors = 0
        self.error_kinds: dict[str, int] = {}
        self.ids: list[int] = []  # every acknowledged appeal, warm-up included

    def _error(self, kind: str) -> None:
        if self.measuring:
            self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    async def one(self, conn: Connection) -> None:
        n = next(self.counter)
        text = self.texts[n % len(self.texts)]
        caller = self.callers[n % len(self.callers)]
        t0 = time.perf_counter()
        if self.args.target == "gongzhi":
            body = json.dumps(
                {"text": text, "building_id": caller["building_id"]}, ensure_ascii=False
            ).encode()
            headers = {
                "Authorization": f"Bearer {caller['token']}",
                "Idempotency-Key": f"bench-{uuid.uuid4().hex}",
            }
            status, answer = await conn.post("/api/v1/appeals", body, headers)
            if status != 201:
                self._error(f"http {status}")
                return
            appeal_id = int(json.loads(answer)["id"])
        else:
            body = json.dumps({"content": text, "source": "居民上报"}, ensure_ascii=False).encode()
            status, answer = await conn.post("/api/appeals", body, {})
            if status != 200:
                self._error(f"create http {status}")
                return
            appeal_id = int(json.loads(answer)["data"]["id"])
            status, answer = await conn.post(f"/api/appeals/{appeal_id}/dispatch", b"{}", {})
            if status != 200:
                self._error(f"dispatch http {status}")
                return
        elapsed = time.perf_counter() - t0
        self.ids.append(appeal_id)
        if self.measuring:
            self.ok += 1
            self.latencies.append(elapsed)

    async def worker(self) -> None:
        conn = Connection(self.args.host, self.args.port)
        while not self.stopping:
            try:
                await self.one(conn)
            except (OSError, asyncio.IncompleteReadError, HttpError, ValueError, KeyError) as e:
                self._error(type(e).__name__)
                conn.close()
                await asyncio.sleep(0.05)
        conn.close()

    async def main(self) -> dict[str, Any]:
        tasks = [asyncio.create_task(self.worker()) for _ in range(self.args.concurrency)]
        await asyncio.sleep(self.args.warmup)
        self.measuring = True
        started = time.perf_counter()
        await asyncio.sleep(self.args.duration)
        self.measuring = False
        elapsed = time.perf_counter() - started
        self.stopping = True
        # Let the requests in flight finish, so that every acknowledged id is recorded.
        _done, pending = await asyncio.wait(tasks, timeout=30)
        for task in pending:
            task.cancel()
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

        return {
            "target": self.args.target,
            "concurrency": self.args.concurrency,
            "seconds": elapsed,
            "ok": self.ok,
            "per_second": self.ok / elapsed,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": lat[-1] * 1000 if lat else float("nan"),
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "ids": self.ids,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", choices=("gongzhi", "baisitong2"), required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=20.0)
    args = parser.parse_args()
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    data = json.loads(args.input.read_text(encoding="utf-8"))
    result = asyncio.run(Run(args, data).main())
    args.out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
