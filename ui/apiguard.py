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
  already read, ends the stream with ``event: error`` (Gradio raises inside a response already
  started: a cut-off response and a traceback).
"""

from __future__ import annotations

import re

from fahras.errors import UsageError

API_ARGS = {"api_search": "[query, k, kinds, parts, mode]", "api_ask": "[query, k, kinds, parts]"}
NOT_FOUND = "no such API endpoint; the endpoints are /search and /ask"
_EVENT_STREAM = re.compile(r"^(?:/gradio_api)?/call/[^/]+/[^/]+/?$")


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


class EventStreamErrors:
    """ASGI middleware: a failure while streaming an event's result (``GET /gradio_api/call/
    <name>/<event_id>``) ends the stream with an ``event: error`` instead of propagating."""

    MESSAGE = b'event: error\ndata: "no such event: unknown, or its result was already read"\n\n'

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope.get("type") != "http" or scope.get("method") != "GET"
                or not _EVENT_STREAM.match(scope.get("path", ""))):
            await self.app(scope, receive, send)
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
            if finished:
                return
            if not started:
                await send({"type": "http.response.start", "status": 404,
                            "headers": [(b"content-type", b"text/event-stream; charset=utf-8")]})
            # Gradio may have sent its own error event already: then just end the stream.
            await send({"type": "http.response.body", "body": b"" if streamed else self.MESSAGE,
                        "more_body": False})


def app_kwargs() -> dict:
    """What ``launch(app_kwargs=...)`` needs for the above."""
    from starlette.middleware import Middleware

    return {"exception_handlers": exception_handlers(),
            "middleware": [Middleware(EventStreamErrors)]}
