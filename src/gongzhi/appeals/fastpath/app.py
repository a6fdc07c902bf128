"""The ASGI wrapper in front of Django that takes the fast path's requests (docs/intake.md).

A request whose head looks like a token-authenticated appeal submission is read here; if its
body is the plain happy path (`parse.parse`) it goes to the process's intake thread
(`writer.Writer`) and is answered when its batch has committed. Every other request, and every
submission the fast path declines (a check failed, the token is unknown...), is handed to
Django untouched, with the body already read replayed to it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .batch import Answer
from .parse import MAX_BODY, Submission, headers_of, parse, wants_fast_path
from .writer import Writer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # Django's ASGIHandler types its arguments narrower

# What Django's middleware adds to a token-authenticated API answer (SecurityMiddleware,
# XFrameOptionsMiddleware, LocaleMiddleware): the fast path's answers carry the same.
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def render(answer: Answer) -> bytes:
    """The answer's body exactly as ninja renders it: through the AppealOut schema, then
    ninja's JSON encoder (UTC datetimes to the millisecond, "Z")."""
    from ninja.responses import NinjaJSONEncoder

    from gongzhi.appeals.api_schemas import AppealOut

    data = AppealOut.model_validate(answer.body).model_dump()
    return json.dumps(data, cls=NinjaJSONEncoder).encode()


class FastIntake:
    """`FastIntake(django_asgi_app)`: the application that the ASGI server runs."""

    def __init__(self, app: ASGIApp, writer: Writer | None = None) -> None:
        self.app = app
        self.writer = writer or Writer()
        # Answers from the intake thread, handed to the event loop with one wake-up per batch.
        # (Per event loop: a server may run one per thread.)
        self.ready: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Answer], Answer]]]
        self.ready = {}
        self.ready_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http":
            headers = headers_of(scope.get("headers", ()))
            if headers is not None and wants_fast_path(
                scope["method"], scope["path"], scope.get("query_string", b""), headers
            ):
                await self._intake(scope, receive, send, headers)
                return
        await self.app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, self.writer.warm_up)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.writer.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _intake(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > MAX_BODY:
                break
        body = b"".join(chunks)
        sub = parse(headers, body) if not more else None
        if sub is None:
            await self.app(scope, _replay(body, more, receive), send)
            return
        if not sub.request_id:
            sub = _with_request_id(sub)
        answer = await self._submit(sub)
        if answer.fallback:
            await self.app(scope, _replay(body, False, receive), send)
            return
        payload = render(answer)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"x-frame-options", b"DENY"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"vary", b"Accept-Language"),
                    (b"content-language", answer.language.encode()),
                    (b"x-request-id", sub.request_id.encode()),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _submit(self, sub: Submission) -> Answer:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answer] = loop.create_future()

        def done(answer: Answer) -> None:
            with self.ready_lock:
                waiting = self.ready.setdefault(loop, [])
                wake = not waiting
                waiting.append((future, answer))
            if wake:
                loop.call_soon_threadsafe(self._resolve_ready, loop)

        self.writer.submit(sub, done)
        # Shielded: a client that goes away does not cancel an appeal being committed.
        return await asyncio.shield(future)

    def _resolve_ready(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.ready_lock:
            ready = self.ready.pop(loop, [])
        for future, answer in ready:
            if not future.done():
                future.set_result(answer)


def _with_request_id(sub: Submission) -> Submission:
    from dataclasses import replace

    return replace(sub, request_id=uuid.uuid4().hex)


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """A `receive` that gives the body read so far first, then the rest of the request."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
