"""A stand-in for a public host, for the request-forgery test (tests/test_server_guard.py).

Gradio's ``/gradio_api/file=<url>`` fetches a URL itself when its host resolves to a public
address (``safehttpx.async_validate_url``), and refuses loopback ones. A test may reach only
this machine, so with this folder on PYTHONPATH that check takes 127.0.0.1 for a public
address: a loopback listener then plays the outside server, and records whether the server
connected to it. The network guard of tests/netguard is installed as well, so any attempt to
reach another machine is still refused and logged.
"""

import os
from pathlib import Path

_NETGUARD = Path(__file__).resolve().parents[1] / "netguard" / "sitecustomize.py"
exec(compile(_NETGUARD.read_text(encoding="utf-8"), str(_NETGUARD), "exec"))

try:
    import safehttpx

    _real_validate = safehttpx.async_validate_url

    async def _loopback_is_public(hostname, *args, **kwargs):
        if hostname == "127.0.0.1":
            return "127.0.0.1"
        return await _real_validate(hostname, *args, **kwargs)

    safehttpx.async_validate_url = _loopback_is_public
    os.environ["FAHRAS_SSRF_PROBE"] = "installed"
except ImportError:
    pass
