"""Serving the web interface: the address checked before anything loads, the searcher opened
and warmed up once, Gradio launched privately (no analytics, no hub calls, no share link, no
monitoring endpoint, no run history) in a folder of its own, on 127.0.0.1 unless told
otherwise. The interface itself is :mod:`fahras.ui.app`."""

import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from fahras.errors import UsageError
from fahras.ui.apiguard import ANALYTICS_EVENTS, launch_limits
from fahras.ui.apiguard import app_kwargs as apiguard_kwargs
from fahras.ui.app import build_app, head_html, static, theme
from fahras.ui.live import LiveSearcher

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_QUEUE = 64  # requests waiting beyond this get "queue full" at once (docs/security.md)


def _port_error(host: str, port: int) -> UsageError:
    return UsageError("port_unusable", host=host, port=port)


def check_address(host: str, port: int) -> None:
    """Fail at once (before the model loads) if ``host:port`` cannot be listened on."""
    import socket

    if not 0 < port < 65536:
        raise UsageError("port_range", port=port)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise UsageError("unknown_host", host=host) from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError:
            raise _port_error(host, port) from None


def _no_self_check(demo) -> dict:
    """Skip Gradio's launch self-check where it can be skipped: one HEAD request to the page
    with a 3 s timeout, after which it refuses to start without a share link. On a busy machine
    the first page takes longer than that, and the server died at start (seen in python tools/bench.py
    at a load average of 9 on 2 cores). The server is the same without it."""
    import inspect

    return {"_frontend": False} if "_frontend" in inspect.signature(demo.launch).parameters \
        else {}


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, index_dir=None, model=None,
          concurrency: int = DEFAULT_CONCURRENCY, progress: bool = False,
          max_queue: int = DEFAULT_MAX_QUEUE) -> None:
    """Open the index and the model once, then serve the interface until interrupted."""
    # Privacy: no analytics, no hub calls, and the launch self-check must not go to a proxy.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    # Gradio keeps a record of the last N events (10,000 by default) and summarizes them all
    # after every event: memory and time that grow with use, for monitoring that is off.
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", str(ANALYTICS_EVENTS))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if any(os.environ.get(v) for v in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                                       "https_proxy", "ALL_PROXY", "all_proxy")):
        no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
        extra = ",".join(h for h in ("127.0.0.1", "localhost", host) if h not in no_proxy)
        merged = ",".join(x for x in (no_proxy, extra) if x)
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = merged
    if concurrency < 1:
        raise UsageError("concurrency_min")
    if max_queue < 1:
        raise UsageError("max_queue_min")
    check_address(host, port)
    started = time.perf_counter()

    from fahras.retrieval.searcher import Searcher

    # A terminated server (SIGTERM) cleans up like an interrupted one (Ctrl+C).
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    searcher = Searcher.open(index_dir, model=model, progress=progress)
    searcher.warm_up()
    warmed = time.perf_counter()
    # Gradio's temporary files and the downloads live in a folder of this server's own, mode
    # 700 (never a shared /tmp/gradio another user may own or read); the downloads are inside
    # Gradio's folder, so they are served from where they are written (not copied), and each
    # is deleted once served (apiguard.app_kwargs); all of it when the server stops.
    private = Path(tempfile.mkdtemp(prefix="fahras-serve-"))
    os.environ["GRADIO_TEMP_DIR"] = str(private / "gradio")
    export_dir = private / "gradio" / "exports"
    export_dir.mkdir(parents=True)
    try:
        demo = build_app(LiveSearcher(searcher, model=model), export_dir)
        # A bounded queue, and no REST route around it (/gradio_api/run/...): every call waits
        # its turn behind at most ``max_queue`` others, or is told the queue is full.
        demo.queue(default_concurrency_limit=concurrency, max_size=max_queue, api_open=False)
        try:
            demo.launch(
                server_name=host, server_port=port, share=False, inbrowser=False, quiet=True,
                prevent_thread_lock=True, show_error=False, footer_links=["api"],
                run_history=False, enable_monitoring=False, ssr_mode=False, pwa=False,
                mcp_server=False, theme=theme(), css=static("fahras.css"), head=head_html(),
                app_kwargs=apiguard_kwargs(host, export_dir), **launch_limits(),
                **_no_self_check(demo),
            )
        except OSError:
            raise _port_error(host, port) from None
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        print(f"Fahras is running on http://{shown}:{port}  (Ctrl+C to stop)", flush=True)
        now = time.perf_counter()
        print(f"Started in {now - started:.1f} s: index and model {warmed - started:.1f} s, "
              f"Gradio and the interface {now - warmed:.1f} s", flush=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"warning: listening on {host}: anyone who can reach this machine on port "
                  f"{port} can use the interface and its API (no login).", file=sys.stderr,
                  flush=True)
        demo.block_thread()
    finally:
        shutil.rmtree(private, ignore_errors=True)
