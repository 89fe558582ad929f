"""Which HTTP requests ``fahras serve`` answers at all: an ASGI middleware in front of Gradio.

- :class:`RequestGuard`: only the host names the server was started for are served (a page of
  another site whose name was made to resolve to this machine -- DNS rebinding -- is refused:
  421), a POST from a page of another site is refused (403: the browser would otherwise send
  it), there are no uploads (the interface takes no file: Gradio stored any file for any
  client) and no fetching of URLs given to ``/gradio_api/file=`` (Gradio fetched public URLs
  itself: the server never opens a connection a client asks for);
- :class:`ExportJanitor`: a download (CSV or JSON of a page search) is deleted once it has been
  served in full.

Each refusal is a short JSON ``{"error": ...}``; nothing reaches Gradio or the server log.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import socket
from pathlib import Path

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
ALLOWED_HOSTS_ENV = "FAHRAS_ALLOWED_HOSTS"


async def reply(send, status: int, message: str,
                content_type: bytes = b"application/json") -> None:
    """A complete short response: ``{"error": message}`` (or an event stream's error)."""
    if content_type.startswith(b"text/event-stream"):
        body = f"event: error\ndata: {json.dumps(message)}\n\n".encode()
    else:
        body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def allowed_hosts(host: str) -> tuple[frozenset[str], bool]:
    """The host names a server listening on ``host`` answers to, and whether any IP address
    is accepted too (listening on every interface: clients reach it by this machine's
    addresses). Always this machine's loopback names; the name or address given; with a
    wildcard, the machine's host name; and the names in ``FAHRAS_ALLOWED_HOSTS`` (comma
    separated: the names a proxy or users reach it by)."""
    names = set(LOOPBACK_NAMES)
    wildcard = host.strip().lower() in WILDCARDS
    if not wildcard:
        names.add(host.strip().lower().strip("[]"))
    else:
        with contextlib.suppress(OSError):
            names.add(socket.gethostname().lower())
    names.update(h.strip().lower() for h in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",")
                 if h.strip())
    return frozenset(names), wildcard


def host_name(value: str) -> str:
    """The name part of a Host header or an origin's authority: lower case, no port, an
    IPv6 address without its brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value[1:]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


_UPLOAD = re.compile(r"^(?:/gradio_api)?/upload/?$")
_FILE_URL = re.compile(r"^(?:/gradio_api)?/(?:file=(?:[a-z][a-z0-9+.\-]*:|//|\\\\)|proxy=)",
                       re.IGNORECASE)
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestGuard:
    """ASGI middleware, outermost: refuses what the interface never needs (see the module
    docstring). ``hosts``/``any_ip`` come from :func:`allowed_hosts`."""

    def __init__(self, app, hosts: frozenset[str] = LOOPBACK_NAMES, any_ip: bool = False):
        self.app, self.hosts, self.any_ip = app, frozenset(hosts), any_ip

    def _allowed(self, name: str) -> bool:
        return name in self.hosts or (self.any_ip and _is_ip(name))

    async def __call__(self, scope, receive, send):
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers") or ()}
        refusal = self.refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await reply(send, *refusal)

    def refusal(self, scope, headers: dict) -> tuple[int, str] | None:
        if not self._allowed(host_name(headers.get("host", ""))):
            return 421, ("this server does not answer to that host name (it answers to the "
                         f"names it was started for; see {ALLOWED_HOSTS_ENV} in "
                         "docs/security.md)")
        method, path = scope.get("method", "GET"), scope.get("path", "")
        if method in _UNSAFE:
            origin = headers.get("origin")
            if origin and origin != "null":
                authority = origin.split("://", 1)[-1].split("/", 1)[0]
                if not self._allowed(host_name(authority)):
                    return 403, "requests from pages of other sites are not accepted"
            elif origin == "null" or headers.get("sec-fetch-site") == "cross-site":
                return 403, "requests from pages of other sites are not accepted"
            if _UPLOAD.match(path):
                return 403, "this server takes no uploads"
        if _FILE_URL.match(path):
            return 403, "only this server's own files are served; it fetches no URL"
        return None


class ExportJanitor:
    """ASGI middleware: a file under ``folder`` (the downloads of page searches) is deleted
    once a GET has served it in full."""

    def __init__(self, app, folder: str | Path):
        self.app, self.folder = app, Path(folder).resolve()

    def _export(self, path: str) -> Path | None:
        m = re.match(r"^(?:/gradio_api)?/file=(.+)$", path)
        if not m:
            return None
        with contextlib.suppress(OSError, ValueError):
            target = Path(m.group(1)).resolve()
            if target.is_relative_to(self.folder) and target != self.folder:
                return target
        return None

    async def __call__(self, scope, receive, send):
        target = (self._export(scope.get("path", "")) if scope.get("type") == "http"
                  and scope.get("method") == "GET" else None)
        if target is None:
            await self.app(scope, receive, send)
            return
        status, done = 0, False

        async def tracked(message):
            nonlocal status, done
            if message.get("type") == "http.response.start":
                status = message.get("status", 0)
            elif message.get("type") == "http.response.body" and not message.get("more_body"):
                done = True
            await send(message)

        await self.app(scope, receive, tracked)
        if done and status == 200:
            with contextlib.suppress(OSError):
                target.unlink()
            with contextlib.suppress(OSError):
                target.parent.rmdir()  # its own folder, if nothing else is left in it
