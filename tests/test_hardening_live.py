"""Hardening, for real: a running ``fahras serve`` under load, and no network at run time.

- Load: ``fahras serve`` on 127.0.0.1 (real model, a free port) and the load-test client
  ``python tools/loadtest.py`` (8 concurrent clients, 300 requests, half /search and half
  /ask, Arabic and English; it stops by itself). Zero errors; p50/p95 latency recorded.
- No network: ``fahras search``, ``fahras ask`` and that same ``fahras serve`` run with the
  network guard of tests/netguard/sitecustomize.py on PYTHONPATH: every connection or name
  lookup to another machine is recorded and refused. They run WITHOUT the offline switches the
  tests otherwise set (HF_HUB_OFFLINE, GRADIO_ANALYTICS_ENABLED): staying offline is the
  product's job. The record must show the guard installed in each process and no attempt. A
  positive control proves the guard records and refuses an outbound attempt.

The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from badinputs import INPUTS, REFUSED
from loadtest import call, call_event
from liveserver import running_serve

PY = sys.executable
NETGUARD = Path(__file__).parent / "netguard"
LOADTEST = Path(__file__).resolve().parents[1] / "tools" / "loadtest.py"
LOAD = {"clients": 8, "requests": 300}

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.scenario]


def _guarded_env(model_home: Path, log: Path) -> dict:
    """The environment of a user's shell (no offline switches), plus the network guard."""
    env = dict(os.environ, FAHRAS_HOME=str(model_home), FAHRAS_NETGUARD_LOG=str(log),
               PYTHONPATH=os.pathsep.join(filter(None, [str(NETGUARD),
                                                       os.environ.get("PYTHONPATH")])))
    # No proxy either: through a proxy on this machine an attempt would look local.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        env.pop(name, None)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "GRADIO_ANALYTICS_ENABLED",
                 "FAHRAS_MODEL", "FAHRAS_TEST_PAUSE_AT"):
        env.pop(name, None)
    return env


def _events(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def _attempts(log: Path) -> list[dict]:
    return [e for e in _events(log) if e["event"] != "guard-installed"]


def _guarded_pids(log: Path) -> set[int]:
    return {e["pid"] for e in _events(log) if e["event"] == "guard-installed"}


@pytest.fixture(scope="module")
def guarded_server(model_home, real_index_dir, tmp_path_factory):
    """``fahras serve`` (defaults: 127.0.0.1) under the network guard; stopped at the end."""
    workdir = tmp_path_factory.mktemp("serve-guarded")
    netlog = workdir / "net.jsonl"
    with running_serve(["--index", str(real_index_dir)], _guarded_env(model_home, netlog),
                       workdir) as served:
        yield {"base": str(served), "port": served.port, "pid": served.proc.pid,
               "netlog": netlog, "log": served.log}


def _listening_addresses(pid: int, port: int) -> set[str]:
    """Local addresses the process ``pid`` listens on at ``port`` (from /proc/net/tcp{,6})."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            addr, hexport = local.split(":")
            if state == "0A" and inode in inodes and int(hexport, 16) == port:
                raw = bytes.fromhex(addr)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_serve_listens_on_this_machine_only(guarded_server, hardening):
    addresses = _listening_addresses(guarded_server["pid"], guarded_server["port"])
    assert addresses == {"127.0.0.1"}, addresses
    hardening.record("listen", command="fahras serve", addresses=sorted(addresses))


def test_load_on_a_running_server(guarded_server, hardening):
    out = subprocess.run(
        [PY, str(LOADTEST), "--url", guarded_server["base"], "--clients",
         str(LOAD["clients"]), "--requests", str(LOAD["requests"]), "--deadline", "240",
         "--json"], capture_output=True, text=True, timeout=400)
    report = json.loads(out.stdout)
    assert out.returncode == 0, (report["error_examples"], out.stderr[-2000:])
    assert report["errors"] == 0 and report["completed"] == LOAD["requests"]
    assert report["by_api"]["search"]["n"] > 100 and report["by_api"]["ask"]["n"] > 100
    lat = report["latency"]
    assert 0 < lat["p50_ms"] <= lat["p95_ms"] <= lat["max_ms"]
    hardening.record("load", clients=report["clients"], requests=report["requests"],
                     completed=report["completed"], errors=report["errors"],
                     p50_ms=lat["p50_ms"], p95_ms=lat["p95_ms"], max_ms=lat["max_ms"],
                     search_p50_ms=report["by_api"]["search"]["p50_ms"],
                     ask_p50_ms=report["by_api"]["ask"]["p50_ms"],
                     wall_s=report["wall_s"], throughput_rps=report["throughput_rps"])


def test_guard_catches_an_outbound_attempt(tmp_path, model_home, hardening):
    """The positive control: under the guard, a connection to another machine and a name
    lookup are refused and recorded (so the no-network tests below can fail)."""
    log = tmp_path / "net.jsonl"
    code = (
        "import socket, urllib.request\n"
        "for attempt in (lambda: socket.socket().connect(('192.0.2.1', 443)),\n"
        "                lambda: urllib.request.urlopen('https://huggingface.co', timeout=2)):\n"
        "    try:\n"
        "        attempt()\n"
        "    except OSError as e:  # urllib wraps the PermissionError in a URLError\n"
        "        print('refused:' if 'blocked by the test' in str(e) else 'OTHER:', e)\n"
        "    else:\n"
        "        print('NOT REFUSED')\n"
    )
    out = subprocess.run([PY, "-c", code], env=_guarded_env(model_home, log),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("refused:") == 2 and "NOT REFUSED" not in out.stdout, out.stdout
    attempts = _attempts(log)
    assert [a["event"] for a in attempts] == ["socket.connect", "socket.getaddrinfo"], attempts
    assert "192.0.2.1" in attempts[0]["target"] and "huggingface.co" in attempts[1]["target"]
    hardening.record("network", command="positive control", attempts_recorded=len(attempts),
                     refused=True)


@pytest.mark.parametrize("command,query", [
    ("search", "حماية الأطفال المهربين"),
    ("ask", "Who opened the meeting?"),
])
def test_search_and_ask_attempt_no_network(command, query, model_home, real_index_dir,
                                           tmp_path, hardening):
    log = tmp_path / "net.jsonl"
    out = subprocess.run([PY, "-m", "fahras", command, query, "--index", str(real_index_dir),
                          "--json"], env=_guarded_env(model_home, log), capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["hits"], result
    assert len(_guarded_pids(log)) >= 1  # the guard was in the process
    assert _attempts(log) == []
    hardening.record("network", command=f"fahras {command}", attempts=0,
                     guarded_processes=len(_guarded_pids(log)))


def test_serve_attempts_no_network(guarded_server, hardening):
    """After start-up, the page, the API (search and ask) and the load test: no attempt."""
    base = guarded_server["base"]
    with urllib.request.urlopen(base + "/", timeout=30) as r:
        assert r.status == 200 and b"<html" in r.read().lower()
    assert call(base, "search", "التوصية 8", 60)["hits"]
    assert call(base, "ask", "Who opened the meeting?", 60)["hits"]
    log = guarded_server["netlog"]
    assert guarded_server["pid"] in _guarded_pids(log)
    assert _attempts(log) == []
    hardening.record("network", command="fahras serve", attempts=0,
                     guarded_processes=len(_guarded_pids(log)))


# -- bad input through the HTTP API (the same list as tests/test_bad_input.py) ---------------------
def _post(base: str, path: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(base + path, data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_http_api_bad_inputs(guarded_server, hardening):
    base = guarded_server["base"]
    calls = [(name, api) for name in INPUTS for api in ("search", "ask")]

    def one(item):
        name, api = item
        data = [INPUTS[name], 3, None, None] + (["hybrid"] if api == "search" else [])
        return item, call_event(base, api, data, 120)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, calls))
    for (name, api), (event, data) in results:
        if name in REFUSED:
            assert event == "error", (name, api, str(data)[:200])
            message = data["error"]
            assert message and "\n" not in message and "Traceback" not in message, message
        else:
            assert event == "complete", (name, api, str(data)[:300])
            assert data[0]["hits"], (name, api)
        hardening.record("input", surface=f"http.{api}", input=name,
                         outcome="result" if event == "complete" else "error",
                         crash=False, hang=False)


MALFORMED = {
    # name: (path, body, expected HTTP status of the POST, words of the error)
    "too-few-values": ("search", {"data": ["x"]}, 200, "takes 5 values"),
    "k-not-a-number": ("search", {"data": ["x", "abc", None, None, "hybrid"]}, 200,
                       "k must be a whole number"),
    "k-fraction": ("ask", {"data": ["x", 2.5, None, None]}, 200, "k must be a whole number"),
    "kinds-not-names": ("search", {"data": ["x", 3, 5, None, "hybrid"]}, 200,
                        "kinds must be a list"),
    "unknown-kind": ("search", {"data": ["x", 3, ["bogus"], None, "hybrid"]}, 200,
                     "unknown passage kind"),
    "unknown-mode": ("search", {"data": ["x", 3, None, None, "bogus"]}, 200, "unknown mode"),
    "query-not-text": ("ask", {"data": [["x"], 3, None, None]}, 200, ""),
    "unknown-endpoint": ("nope", {"data": ["x"]}, 404, "no such API endpoint"),
    "body-not-json": ("search", b"not json", 422, "JSON decode error"),
    "data-not-a-list": ("search", {"data": "x"}, 422, "valid list"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_http_api_malformed_calls(guarded_server, name, hardening):
    base = guarded_server["base"]
    api, body, status, words = MALFORMED[name]
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    got, reply = _post(base, f"/gradio_api/call/{api}", raw)
    assert got == status, (got, reply[:300])
    if status == 200:  # accepted into the queue: its result is one clean error event
        event_id = json.loads(reply)["event_id"]
        with urllib.request.urlopen(f"{base}/gradio_api/call/{api}/{event_id}",
                                    timeout=60) as r:
            stream = r.read().decode("utf-8")
        assert stream.startswith("event: error\n"), stream[:300]
        message = json.loads(stream.split("data: ", 1)[1].splitlines()[0])
        message = message["error"] if isinstance(message, dict) else message
        assert message and words in str(message) and "Traceback" not in str(message), message
    else:
        assert words in reply.decode("utf-8", "replace"), reply[:300]
    hardening.record("input", surface="http.malformed", input=name, outcome="error",
                     crash=False, hang=False)


def test_http_api_has_no_route_around_the_queue(guarded_server, hardening):
    base = guarded_server["base"]
    body = json.dumps({"data": ["x", 3, None, None, "hybrid"]}).encode()
    for path in ("/gradio_api/run/search", "/gradio_api/api/search"):
        status, reply = _post(base, path, body)
        assert status == 404 and b"join the queue" in reply, (path, status, reply[:200])
    # An event id that does not exist: a clean end of stream, not a cut-off response.
    try:
        with urllib.request.urlopen(f"{base}/gradio_api/call/search/deadbeef", timeout=30) as r:
            stream = r.read()
    except urllib.error.HTTPError as e:
        stream = e.read()
    assert stream.startswith(b"event: error\n") and stream.endswith(b"\n\n"), stream[:300]
    hardening.record("input", surface="http.malformed", input="rest-route-and-unknown-event",
                     outcome="error", crash=False, hang=False)


def test_server_log_has_no_traceback(guarded_server):
    """Runs last: bad inputs, malformed calls and the load were answered, never logged as
    crashes."""
    log = guarded_server["log"].read_text(errors="replace")
    assert "Traceback" not in log and "Exception" not in log, log[-3000:]
    assert _attempts(guarded_server["netlog"]) == []  # and still no network attempt


def test_a_full_queue_refuses_at_once(hash_index_dir, tmp_path, hardening):
    """``--concurrency 1 --max-queue 1`` and 12 clients at once: the calls beyond the queue are
    refused at once (HTTP 503, "queue full"), the others answered; nothing hangs or crashes."""
    env = dict(os.environ, FAHRAS_HOME=str(tmp_path / "home"))
    question = "حماية الأطفال المهربين " * 200  # slow enough that the calls overlap
    with running_serve(["--model", "hash", "--index", str(hash_index_dir), "--concurrency", "1",
                        "--max-queue", "1"], env, tmp_path) as base:

        def one(_):
            try:
                return call_event(base, "ask", [question, 50, None, None], 60)[0], ""
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode("utf-8", "replace")

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(one, range(12)))
        log = base.log.read_text(errors="replace")
    answered = [r for r in results if r[0] == "complete"]
    refused = [r for r in results if r[0] == 503]
    assert len(answered) + len(refused) == 12, results
    assert answered and refused, results
    assert all("queue" in body.lower() and "full" in body.lower() for _, body in refused), refused
    assert "Traceback" not in log, log[-3000:]
    hardening.record("queue", clients=12, concurrency=1, max_queue=1, answered=len(answered),
                     refused_queue_full=len(refused), errors=0)
