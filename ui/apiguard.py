"""The HTTP API's answers to bad calls: one clean error each, never a traceback in the log.

Gradio answers most malformed calls itself (422 for a body that is not ``{"data": [...]}``);
these cover the rest:

- :func:`api_k`, :func:`api_list`: the values of ``/search`` and ``/ask`` checked, with a
  :class:`~fahras.errors.UsageError` (an ``event: error`` with the reason) for a wrong type;
- :func:`refuse_missing_values`: a call with fewer values than the endpoint takes gets
  ``event: error`` saying what to send (Gradio raises a bare ValueError: an anonymous error
  and a traceback);
- :func:`not_found`: an API name that does not exist gets 404 (Gradio: 500 and a traceback);
- :class:`EventStreamErrors`: reading the result of an event id that does not exist, or one
  already read, ends the stream at once with ``event: error`` (Gradio waited for ever on a
  result already read, or raised inside a response already started); a call whose body the
  route cannot take (``/call/v2/<name>`` with ``{"data": [...]}``) gets 422 and one line, not
  500 and a traceback;
- :class:`EventJanitor`: a finished call's session (Gradio keeps a copy of the page's
  configuration per session, about 150 KB, and the unread result) is released once its result
  is read, and unread results are dropped beyond :data:`MAX_UNREAD` or after
  :data:`UNREAD_TTL_S`: memory stays flat however many calls are made;

Which requests are served at all (host names, other sites, uploads, URLs to fetch) is
:mod:`fahras.ui.requestguard`; :func:`app_kwargs` installs both.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import OrderedDict
from pathlib import Path

from fahras.errors import UsageError
from fahras.ui.requestguard import ExportJanitor, RequestGuard, allowed_hosts, reply

API_ARGS = {"api_search": "[query, k, kinds, parts, mode]", "api_ask": "[query, k, kinds, parts]"}
NOT_FOUND = "no such API endpoint; the endpoints are /search and /ask"
_EVENT_STREAM = re.compile(r"^(?:/gradio_api)?/call/(?:v2/)?[^/]+/(?P<event>[^/]+)/?$")
_CALL = re.compile(r"^(?:/gradio_api)?/call/(?:v2/)?[^/]+/?$")
MAX_UNREAD = 64        # finished results nobody has read yet, kept at most
UNREAD_TTL_S = 120.0   # and for at most this long
SESSION_CAPACITY = 500  # sessions (browser tabs and API calls) whose state Gradio keeps
MAX_UPLOAD = "1kb"     # Gradio's own cap, behind the refusal of the upload route
ANALYTICS_EVENTS = 64  # events Gradio keeps a record of (monitoring is off)


def api_k(value, default: int) -> int:
    """The number of results an API call asked for (null: the default)."""
    if value is None:
        return default
    try:
        whole = (not isinstance(value, bool) and isinstance(value, (int, float))
                 and value == int(value))
    except (ValueError, OverflowError):  # NaN, infinity
        whole = False
    if not whole:
        raise UsageError("api_k_not_whole", value=str(value)[:40])
    return int(value)


def api_list(value, name: str) -> list[str] | None:
    """A list-of-names argument of an API call: null (all), a name, or a list of names."""
    if value is None or value == []:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise UsageError("api_list_form", name=name)


def refuse_missing_values(demo) -> None:
    """Make ``demo`` answer a call with too few values with a one-line error."""
    import gradio as gr

    check = demo.validate_inputs

    def validate_inputs(block_fn, inputs):
        wanted = len(block_fn.inputs)
        if len(inputs) < wanted:
            shape = API_ARGS.get(block_fn.name, f"{wanted} values")
            raise gr.Error(f"this endpoint takes {wanted} values, {shape} (null for a "
                           f"default); got {len(inputs)}", print_exception=False)
        return check(block_fn, inputs)

    demo.validate_inputs = validate_inputs


def not_found(request, exc):
    """Exception handler for Gradio's FnIndexInferError (an unknown API name): 404."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": NOT_FOUND}, status_code=404)


def exception_handlers() -> dict:
    from gradio.route_utils import FnIndexInferError

    return {FnIndexInferError: not_found}


def _queue(scope):
    """Gradio's queue and state holder for a request (None outside a Gradio app)."""
    app = scope.get("app")
    try:
        blocks = app.get_blocks()
        return blocks._queue, blocks.state_holder
    except Exception:
        return None, None


def release_session(scope, session: str) -> None:
    """Forget a finished API call's session: its message queue, its pending ids and the copy
    of the page's state Gradio made for it."""
    queue, holder = _queue(scope)
    if queue is None:
        return
    with contextlib.suppress(Exception):
        queue.pending_messages_per_session.pop(session, None)
        if not queue.pending_event_ids_session.get(session):
            queue.pending_event_ids_session.pop(session, None)
    with contextlib.suppress(Exception), holder.lock:
        holder.session_data.pop(session, None)
        holder.time_last_used.pop(session, None)


def _known(scope, event_id: str) -> bool:
    queue, _ = _queue(scope)
    if queue is None:
        return True
    return (event_id in queue.event_ids_to_events
            or event_id in queue.pending_messages_per_session
            or any(event_id in ids for ids in queue.pending_event_ids_session.values()))


class EventStreamErrors:
    """ASGI middleware for the two halves of an API call:

    - ``POST /gradio_api/call/<name>``: an exception before the response starts (a body the
      route cannot take) is a 422 with one line;
    - ``GET /gradio_api/call/<name>/<event_id>``: an id the queue does not know (never issued,
      read already, or expired) gets ``event: error`` at once; a failure while streaming ends
      the stream with ``event: error`` instead of propagating. Once a result has been read in
      full, the call's session is released (:func:`release_session`).
    """

    MESSAGE = "no such event: unknown, or its result was already read or expired"
    READ_KEPT = 4096  # ids whose result was read in full, remembered (oldest forgotten first)

    def __init__(self, app):
        self.app = app
        # The queue forgets an event a moment after its result is sent; until then Gradio would
        # hold a second reader of that result open and end it 10 s later with its own 404.
        self.read: OrderedDict[str, None] = OrderedDict()

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "POST" and _CALL.match(path):
            await self._call(scope, receive, send)
            return
        m = _EVENT_STREAM.match(path) if scope.get("method") == "GET" else None
        if m is None:
            await self.app(scope, receive, send)
            return
        event_id = m.group("event")
        if event_id in self.read or not _known(scope, event_id):
            await reply(send, 404, self.MESSAGE, b"text/event-stream; charset=utf-8")
            return
        started = streamed = finished = False

        async def tracked(message):
            nonlocal started, streamed, finished
            if message.get("type") == "http.response.start":
                started = True
            elif message.get("type") == "http.response.body":
                streamed = streamed or bool(message.get("body"))
                finished = not message.get("more_body")
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if not finished:
                if not started:
                    await send({"type": "http.response.start", "status": 404, "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8")]})
                # Gradio may have sent its own error event already: then just end the stream.
                body = b"" if streamed else (
                    f"event: error\ndata: {json.dumps(self.MESSAGE)}\n\n".encode())
                await send({"type": "http.response.body", "body": body, "more_body": False})
        finally:
            if finished:
                self.read[event_id] = None
                while len(self.read) > self.READ_KEPT:
                    self.read.popitem(last=False)
                _release_when_done(scope, event_id)

    async def _call(self, scope, receive, send):
        started = False

        async def tracked(message):
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as e:
            if started:
                raise
            first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
            await reply(send, 422, f"this call's body does not fit the endpoint: {first} "
                                    "(POST /gradio_api/call/<name> takes {\"data\": [...]})")


def _release_when_done(scope, event_id: str, tries: int = 40) -> None:
    """Release a session whose result was read, once the queue has finished with its event
    (it tidies up just after the result is sent)."""
    if not _running(scope, event_id):
        release_session(scope, event_id)
    elif tries:
        import asyncio

        asyncio.get_running_loop().call_later(0.25, _release_when_done, scope, event_id,
                                              tries - 1)


def _running(scope, event_id: str) -> bool:
    queue, _ = _queue(scope)
    return queue is not None and event_id in queue.event_ids_to_events


class EventJanitor:
    """ASGI middleware: results that are never read do not pile up. Each ``POST .../call/...``
    that is given an event id is remembered; beyond :data:`MAX_UNREAD` unread results, or after
    :data:`UNREAD_TTL_S`, the oldest finished ones are released (reading one then says it
    expired). Reading a result forgets it here (:class:`EventStreamErrors` releases it)."""

    def __init__(self, app):
        self.app = app
        self.unread: OrderedDict[str, float] = OrderedDict()

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope.get("method")
        if method == "GET" and (m := _EVENT_STREAM.match(path)):
            self.unread.pop(m.group("event"), None)
        if method != "POST" or not _CALL.match(path):
            await self.app(scope, receive, send)
            return
        body = bytearray()

        async def tracked(message):
            if message.get("type") == "http.response.body" and len(body) < 4096:
                body.extend(message.get("body") or b"")
            await send(message)

        await self.app(scope, receive, tracked)
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            event_id = json.loads(bytes(body)).get("event_id")
            if isinstance(event_id, str):
                self.unread[event_id] = time.monotonic()
        self.sweep(scope)

    def sweep(self, scope) -> None:
        now = time.monotonic()
        for event_id, posted in list(self.unread.items()):
            if len(self.unread) <= MAX_UNREAD and now - posted < UNREAD_TTL_S:
                break
            if _running(scope, event_id):
                continue  # queued or running: bounded by the queue's own size
            del self.unread[event_id]
            release_session(scope, event_id)


def app_kwargs(host: str = "127.0.0.1", export_dir: str | Path | None = None) -> dict:
    """What ``launch(app_kwargs=...)`` needs for the above (the first middleware listed is
    the outermost)."""
    from starlette.middleware import Middleware

    hosts, any_ip = allowed_hosts(host)
    middleware = [Middleware(RequestGuard, hosts=hosts, any_ip=any_ip),
                  Middleware(EventJanitor), Middleware(EventStreamErrors)]
    if export_dir is not None:
        middleware.append(Middleware(ExportJanitor, folder=export_dir))
    return {"exception_handlers": exception_handlers(), "middleware": middleware}


def launch_limits() -> dict:
    """``launch()`` settings that bound what a client can make the server keep."""
    return {"max_file_size": MAX_UPLOAD, "state_session_capacity": SESSION_CAPACITY}
