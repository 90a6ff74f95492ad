"""Over a real socket: serve in a thread, and `serve()` in a subprocess printing its JSON line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from core.sandbox.serve import start_in_thread
from plugins.quickbooks.sandbox import QuickBooksSandbox
from plugins.quickbooks.sandbox.wire import dumps

ROOT = Path(__file__).parents[3]


def test_sync_client_over_loopback_with_faults():
    sandbox = QuickBooksSandbox()
    with start_in_thread(sandbox.app) as server:
        creds = sandbox.credentials(server.url)
        with httpx.Client(timeout=5) as http:
            token = http.post(creds["token_url"], auth=(creds["client_id"], creds["client_secret"]),
                              data={"grant_type": "refresh_token", "refresh_token": creds["refresh_token"]}).json()
            base = f"{creds['api_url']}/v3/company/{creds['realm_id']}"
            headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json",
                       "Content-Type": "application/json"}
            customer = http.post(base + "/customer", content=dumps({"DisplayName": "Loop Ltd"}), headers=headers)
            assert customer.status_code == 200 and customer.headers["intuit_tid"]
            sandbox.faults.add({"kind": "reset", "count": 1})
            with pytest.raises(httpx.RemoteProtocolError):
                http.get(base + "/preferences", headers=headers)
            sandbox.faults.add({"kind": "latency", "delay": 1.0, "count": 1})
            with pytest.raises(httpx.ReadTimeout):
                http.get(base + "/preferences", headers=headers, timeout=0.2)
            found = http.get(base + "/query", params={"query": "select * from Customer"}, headers=headers)
            assert json.loads(found.content, parse_float=Decimal)["QueryResponse"]["Customer"][0]["DisplayName"] == \
                "Loop Ltd"


def test_serve_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"kind": "unavailable", "path": "/v3/company/*/reports*"}]))
    code = "from plugins.quickbooks.sandbox import serve; serve(0, %r)" % str(faults)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        facts = json.loads(proc.stdout.readline())
        assert set(facts) == {"api_url", "token_url", "authorize_url", "realm_id", "client_id", "client_secret",
                              "refresh_token"}
        token = httpx.post(facts["token_url"], auth=(facts["client_id"], facts["client_secret"]), timeout=5,
                           data={"grant_type": "refresh_token", "refresh_token": facts["refresh_token"]}).json()
        base = f"{facts['api_url']}/v3/company/{facts['realm_id']}"
        headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}
        assert httpx.get(base + "/companyinfo/" + facts["realm_id"], headers=headers, timeout=5).status_code == 200
        down = httpx.get(base + "/reports/GeneralLedger", headers=headers, timeout=5)
        assert down.status_code == 503 and "Service Temporarily Unavailable" in down.text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
