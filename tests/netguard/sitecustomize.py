"""No network at run time: put this folder on PYTHONPATH and every Python process started with
it records -- and blocks -- any attempt to reach another machine.

An audit hook (``sys.addaudithook``) sees every ``socket.connect``, ``socket.sendto``/
``sendmsg`` and name lookup (``socket.getaddrinfo``, ``gethostbyname``...). A destination that
is not this machine (127.0.0.0/8, ::1, localhost, a Unix socket) is written as one JSON line to
the file named by ``FAHRAS_NETGUARD_LOG`` and refused with ``PermissionError``. Used by
tests/test_hardening_live.py on ``fahras search``, ``fahras ask`` and ``fahras serve``.
"""

import ipaddress
import json
import os
import sys
import traceback

_LOG = os.environ.get("FAHRAS_NETGUARD_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: resolving it is already reaching out
    return addr.is_loopback or addr.is_unspecified


def _record(event: str, target) -> None:
    if not _LOG:
        return
    stack = [f"{f.filename}:{f.lineno}" for f in traceback.extract_stack(limit=12)[:-3]]
    line = json.dumps({"pid": os.getpid(), "event": event, "target": repr(target)[:200],
                       "argv": sys.argv[:3], "stack": stack[-6:]})
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def _hook(event: str, args) -> None:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        if isinstance(address, tuple) and address and not _local(address[0]):
            _record(event, address)
            raise PermissionError(f"network access blocked by the test: {address!r}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                   "socket.gethostbyaddr"):
        host = args[0] if args else None
        if not _local(host):
            _record(event, host)
            raise PermissionError(f"name lookup blocked by the test: {host!r}")


sys.addaudithook(_hook)
if _LOG:
    with open(_LOG, "a", encoding="utf-8") as _f:
        _f.write(json.dumps({"pid": os.getpid(), "event": "guard-installed",
                             "argv": sys.argv[:3]}) + "\n")
