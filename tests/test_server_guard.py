"""A running ``fahras serve`` (hashing model, 127.0.0.1) against a careful attacker and a busy
program -- loopback only.

- no uploads: ``POST /gradio_api/upload`` is refused and nothing is stored;
- no request forgery: ``GET /gradio_api/file=http://...`` opens no connection. The target is a
  listener on 127.0.0.1 that counts connections; Gradio refuses loopback URLs by itself and
  fetches public ones, so the server runs with tests/ssrfprobe on PYTHONPATH, which makes that
  check take 127.0.0.1 for a public address (and keeps the network guard of tests/netguard). A
  control shows that, so set up, Gradio's fetch does connect to the listener;
- only the host names it was started for (a foreign ``Host`` is refused: DNS rebinding), and no
  POST from a page of another site;
- ``/call/v2/<name>`` with a list body: 422 and one line (was 500 and a traceback); reading an
  event's result twice: an error at once (was a wait for ever);
- page-search downloads live in a folder of the server's own (mode 700, in a fresh
  ``mkdtemp``; Gradio's temporary files too), and each is deleted once downloaded;
- memory: RSS flat (within 50 MB) over 5,000 API calls after a warm-up, and results never read
  do not pile up.

The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import json
import os
import random
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from loadtest import call_event
from liveserver import running_serve

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.scenario]
PY = sys.executable
PROBE = Path(__file__).parent / "ssrfprobe"
WARM_UP, CALLS, UNREAD = 300, 5000, 600
RSS_BOUND_MB = 50


@pytest.fixture(scope="module")
def server(hash_index_dir, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("serve-guard")
    tmpdir = workdir / "tmp"
    tmpdir.mkdir()
    env = dict(os.environ, FAHRAS_HOME=str(workdir / "home"), TMPDIR=str(tmpdir),
               FAHRAS_NETGUARD_LOG=str(workdir / "net.jsonl"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROBE),
                                                       os.environ.get("PYTHONPATH")])))
    with running_serve(["--model", "hash", "--index", str(hash_index_dir)], env,
                       workdir) as served:
        yield {"base": str(served), "port": served.port, "pid": served.proc.pid,
               "tmp": tmpdir, "log": served.log, "netlog": workdir / "net.jsonl"}


def _request(url: str, data: bytes | None = None, headers: dict | None = None,
             method: str | None = None, timeout: float = 30) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _read_for(url: str, seconds: float, until: bytes | None = None) -> bytes:
    """What a GET returns within ``seconds`` (heartbeats keep a stream that never ends alive,
    so a socket timeout alone would wait for ever), or up to the first ``until`` in it."""
    deadline = time.monotonic() + seconds
    out = b""
    try:
        # A socket that timed out cannot be read again (``cannot read from timed out object``):
        # the timeout is the whole budget, and a read that reaches it ends the reading.
        with urllib.request.urlopen(url, timeout=seconds) as r:
            while time.monotonic() < deadline:
                try:
                    chunk = r.read1(65536)
                except TimeoutError:
                    break
                if not chunk:
                    break
                out += chunk
                if until is not None and until in out:
                    break
    except urllib.error.HTTPError as e:
        out = e.read()
    return out


def _files_under(folder: Path) -> list[Path]:
    return [Path(d) / f for d, _, files in os.walk(folder) for f in files]


def test_uploads_are_refused_and_nothing_is_stored(server, hardening):
    name = "fahras-upload-probe.bin"
    boundary = "fahrasboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    body += os.urandom(200_000) + f"\r\n--{boundary}--\r\n".encode()
    for path in ("/gradio_api/upload", "/upload"):
        status, reply = _request(server["base"] + path, body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status in (403, 404), (path, status, reply[:300])
    assert [p for p in _files_under(server["tmp"]) if p.name == name] == []
    hardening.record("server", finding="POST /gradio_api/upload stores any file",
                     check="200 KB upload", result=f"refused ({status}), nothing stored")


class Listener:
    """A socket on 127.0.0.1 that accepts and counts connections (the stand-in outside
    server)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self._thread.join(5)
        self.sock.close()


_CONTROL = """
import asyncio, os, sys
assert os.environ.get("FAHRAS_SSRF_PROBE") == "installed"
from gradio import route_utils

class Request:
    method = "GET"
    headers = {}

try:
    asyncio.run(route_utils.secure_url_stream_response(sys.argv[1], Request()))
except Exception as e:
    print(type(e).__name__)
"""


def test_file_urls_are_never_fetched(server, tmp_path, hardening):
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/x.png"
        # The control: with the probe, Gradio's own fetch reaches the listener.
        env = dict(os.environ, PYTHONPATH=str(PROBE),
                   FAHRAS_NETGUARD_LOG=str(tmp_path / "net.jsonl"))
        subprocess.run([PY, "-c", _CONTROL, url], env=env, capture_output=True, timeout=60,
                       check=True)
        time.sleep(0.5)
        assert listener.connections >= 1, "the probe does not make Gradio fetch: the test " \
                                          "could not fail"
        before = listener.connections
        paths = [f"/gradio_api/file={url}", f"/gradio_api/file=https://127.0.0.1:"
                 f"{listener.port}/x.png", f"/gradio_api/file=//127.0.0.1:{listener.port}/x",
                 f"/gradio_api/proxy={url}"]
        for path in paths:
            status, reply = _request(server["base"] + path)
            assert status == 403, (path, status, reply[:300])
        time.sleep(1.0)
        assert listener.connections == before, "the server connected to the listener"
    finally:
        listener.close()
    hardening.record("server", finding="GET /gradio_api/file=http://... fetches the URL",
                     check=f"{len(paths)} URLs to a loopback listener (control: Gradio's fetch "
                     "connects)", result="refused (403), 0 connections")


def test_only_the_host_names_it_was_started_for(server, hardening):
    base, port = server["base"], server["port"]
    call = json.dumps({"data": ["تهريب", 3, None, None, "hybrid"]}).encode()
    json_type = {"Content-Type": "application/json"}
    assert _request(base + "/", headers={"Host": f"127.0.0.1:{port}"})[0] == 200
    assert _request(base + "/", headers={"Host": f"localhost:{port}"})[0] == 200
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
        assert _request(base + "/", headers={"Host": host})[0] == 421, host
        status, reply = _request(base + "/gradio_api/call/search", call,
                                 {**json_type, "Host": host})
        assert status == 421 and b"host name" in reply, (host, status, reply[:200])
    # A page of another site posting through the browser of someone on this machine.
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}):
        status, reply = _request(base + "/gradio_api/call/search", call, {**json_type, **headers})
        assert status == 403 and b"other sites" in reply, (headers, status, reply[:200])
    status, _ = _request(base + "/gradio_api/call/search", call,
                         {**json_type, "Origin": f"http://127.0.0.1:{port}"})
    assert status == 200
    hardening.record("server", finding="any Host header accepted; cross-site posts",
                     check="3 foreign Host headers (page and API), 3 cross-site posts",
                     result="refused (421 / 403); own names answered")


def test_the_v2_route_with_a_list_body_is_one_line(server, hardening):
    status, reply = _request(server["base"] + "/gradio_api/call/v2/search", json.dumps(
        {"data": ["x", 3, None, None, "hybrid"]}).encode(), {"Content-Type": "application/json"})
    message = json.loads(reply)["error"]
    assert status == 422 and "\n" not in message and "Traceback" not in message, (status, reply)
    hardening.record("server", finding="POST /gradio_api/call/v2/search: 500 and a traceback",
                     check="a {\"data\": [...]} body", result="422, one line")


def test_reading_a_result_twice_ends_at_once(server, hardening):
    base = server["base"]
    status, reply = _request(base + "/gradio_api/call/search", json.dumps(
        {"data": ["تهريب المهاجرين", 3, None, None, "hybrid"]}).encode(),
        {"Content-Type": "application/json"})
    event_id = json.loads(reply)["event_id"]
    first = _request(f"{base}/gradio_api/call/search/{event_id}")[1]
    assert first.startswith(b"event: complete"), first[:200]
    t = time.monotonic()
    # the time to the whole error event (its "event:" and "data:" lines and the blank line
    # that ends it), not to the stream's end: the server may keep the connection open after it
    again = _read_for(f"{base}/gradio_api/call/search/{event_id}", 20, until=b"\n\n")
    seconds = time.monotonic() - t
    assert again.startswith(b"event: error") and seconds < 5, (again[:200], seconds)
    hardening.record("server", finding="re-reading an event id waits for ever",
                     check="the same result read twice",
                     result=f"event: error in {seconds:.2f} s")


def _page_search(base: str, query: str) -> list[str]:
    """A search as the page makes it (Gradio's queue protocol, the event whose outputs are the
    download buttons); the download URLs it returns."""
    config = json.loads(_request(base + "/config")[1])
    comps = {c["id"]: c for c in config["components"]}
    dep = next(d for d in config["dependencies"]
               if any(comps[i]["type"] == "downloadbutton" for i in d["outputs"])
               and any(comps[i].get("props", {}).get("elem_id") == "query" for i in d["inputs"]))
    data = [query if comps[i].get("props", {}).get("elem_id") == "query"
            else comps[i].get("props", {}).get("value") for i in dep["inputs"]]
    session = "fahrasprobe" + str(random.randrange(10**9))
    body = {"data": data, "fn_index": dep["id"], "trigger_id": dep["targets"][0][0],
            "session_hash": session, "event_data": None}
    status, reply = _request(base + "/gradio_api/queue/join", json.dumps(body).encode(),
                             {"Content-Type": "application/json"})
    assert status == 200, reply[:300]
    stream = _request(f"{base}/gradio_api/queue/data?session_hash={session}", timeout=60)[1]
    for line in stream.decode("utf-8").splitlines():
        if line.startswith("data: ") and '"process_completed"' in line:
            msg = json.loads(line[len("data: "):])
            assert msg["success"], msg
            outputs = [msg["output"]["data"][k] for k, i in enumerate(dep["outputs"])
                       if comps[i]["type"] == "downloadbutton"]
            return [o["value"]["url"] for o in outputs]
    raise AssertionError(stream[-500:])


def test_downloads_are_private_and_gone_once_downloaded(server, hardening):
    base, tmp = server["base"], server["tmp"]
    urls = _page_search(base, "حماية الأطفال المهربين")
    assert len(urls) == 2
    paths = [Path(urllib.request.unquote(u.split("/gradio_api/file=", 1)[1])) for u in urls]
    private = [p for p in tmp.iterdir() if p.name.startswith("fahras-serve-")]
    assert len(private) == 1 and stat.S_IMODE(private[0].stat().st_mode) == 0o700
    assert not (tmp / "gradio").exists()  # Gradio's default, shared temporary folder
    for url, path in zip(urls, paths):
        assert path.is_file() and private[0] in path.parents, path
        status, data = _request(url if url.startswith("http") else base + url)
        assert status == 200 and "حماية" in data.decode("utf-8-sig"), status
        time.sleep(0.3)
        assert not path.exists(), f"{path} is still there after its download"
        assert _request(url if url.startswith("http") else base + url)[0] in (403, 404)
    assert [p for p in _files_under(private[0]) if p.suffix in (".csv", ".json")] == []
    hardening.record("server", finding="exports readable by other users in /tmp/gradio",
                     check="a page search's CSV and JSON", result="mode 700 folder of the "
                     "server's own; deleted once downloaded")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _queries(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    arabic = ["تهريب", "المهاجرين", "حماية", "الأطفال", "التعاون", "الدولي", "القنصليات",
              "البحر", "الإنقاذ", "التوصيات", "الضحايا", "الحدود", "المعلومات", "العدالة"]
    cons, vow = "bcdfghjklmnprstvz", "aeiou"
    out = []
    for i in range(n):
        name = "".join(rng.choice(cons) + rng.choice(vow) for _ in range(3)).capitalize()
        words = rng.sample(arabic, 3)
        out.append(" ".join(words) if i % 2 else f"What did {name} say about {words[0]}?")
    return out


def _calls(base: str, queries: list[str]) -> int:
    def one(q):
        event, data = call_event(base, "search", [q, 5, None, None, "hybrid"], 60)
        return event == "complete" and bool(data[0]["hits"])

    with ThreadPoolExecutor(4) as pool:
        return sum(pool.map(one, queries))


def test_memory_is_flat_over_thousands_of_calls(server, hardening):
    base, pid = server["base"], server["pid"]
    assert _calls(base, _queries(1, WARM_UP)) == WARM_UP
    before = _rss_mb(pid)
    t = time.monotonic()
    assert _calls(base, _queries(2, CALLS)) == CALLS
    seconds = time.monotonic() - t
    after = _rss_mb(pid)
    # Results never read: posted, never fetched.
    post = json.dumps({"data": ["تهريب المهاجرين", 10, None, None, "hybrid"]}).encode()

    def post_only(_):
        status, reply = _request(base + "/gradio_api/call/search", post,
                                 {"Content-Type": "application/json"})
        assert status == 200, reply[:200]
        return json.loads(reply)["event_id"]

    with ThreadPoolExecutor(4) as pool:
        unread = list(pool.map(post_only, range(UNREAD)))
    time.sleep(2)
    after_unread = _rss_mb(pid)
    oldest = _read_for(f"{base}/gradio_api/call/search/{unread[0]}", 20)
    hardening.record("memory", calls=CALLS, warm_up=WARM_UP, rss_before_mb=round(before),
                     rss_after_mb=round(after), growth_mb=round(after - before, 1),
                     unread=UNREAD, unread_growth_mb=round(after_unread - after, 1),
                     seconds=round(seconds, 1))
    assert after - before <= RSS_BOUND_MB, (before, after)
    assert after_unread - after <= RSS_BOUND_MB, (after, after_unread)
    assert oldest.startswith(b"event: error"), oldest[:200]  # expired, not kept for ever


def test_no_traceback_and_no_outbound_attempt(server):
    """Runs last: every refusal above was an answer, not a crash."""
    log = server["log"].read_text(errors="replace")
    assert "Traceback" not in log and "Exception" not in log, log[-3000:]
    netlog = server["netlog"]
    events = [json.loads(x) for x in netlog.read_text().splitlines()] if netlog.exists() else []
    assert [e for e in events if e["event"] != "guard-installed"] == []
    assert any(e["pid"] == server["pid"] for e in events)  # the guard was in the server
