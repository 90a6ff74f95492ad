"""Over a real socket: serve in a thread, and `serve()` in a subprocess printing its JSON line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from core.sandbox.serve import start_in_thread
from plugins.xero.sandbox import XeroSandbox

from .conftest import check_response, invoice
from plugins.xero.sandbox.wire import dumps

ROOT = Path(__file__).parents[3]


def test_sync_client_over_loopback_with_faults():
    sandbox = XeroSandbox()
    with start_in_thread(sandbox.app) as server:
        creds = sandbox.credentials(server.url)
        with httpx.Client(timeout=5) as http:
            token = http.post(creds["identity_url"] + "/connect/token", auth=(creds["client_id"], creds["client_secret"]),
                              data={"grant_type": "refresh_token", "refresh_token": creds["refresh_token"]}).json()
            tenants = http.get(creds["connections_url"], headers={"Authorization": f"Bearer {token['access_token']}"})
            headers = {"Authorization": f"Bearer {token['access_token']}", "xero-tenant-id": tenants.json()[0]["tenantId"],
                       "Content-Type": "application/json"}
            created = http.put(creds["api_url"] + "/Invoices", content=dumps({"Invoices": [invoice()]}), headers=headers)
            assert created.status_code == 200
            check_response("Invoices", created)
            sandbox.faults.add({"kind": "reset", "count": 1})
            with pytest.raises(httpx.RemoteProtocolError):
                http.get(creds["api_url"] + "/Invoices", headers=headers)
            sandbox.faults.add({"kind": "latency", "delay": 1.0, "count": 1})
            with pytest.raises(httpx.ReadTimeout):
                http.get(creds["api_url"] + "/Invoices", headers=headers, timeout=0.2)
            listed = http.get(creds["api_url"] + "/Invoices", headers=headers)
            assert listed.status_code == 200 and len(listed.json()["Invoices"]) == 1


def test_serve_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"kind": "maintenance", "path": "/api.xro/2.0/Journals"}]))
    code = "from plugins.xero.sandbox import serve; serve(0, %r)" % str(faults)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = proc.stdout.readline()
        facts = json.loads(line)
        assert set(facts) == {"api_url", "identity_url", "connections_url", "client_id", "client_secret",
                              "refresh_token", "tenant_id"}
        token = httpx.post(facts["identity_url"] + "/connect/token", data={
            "grant_type": "refresh_token", "refresh_token": facts["refresh_token"],
            "client_id": facts["client_id"], "client_secret": facts["client_secret"]}, timeout=5).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "xero-tenant-id": facts["tenant_id"]}
        assert httpx.get(facts["api_url"] + "/Organisation", headers=headers, timeout=5).status_code == 200
        down = httpx.get(facts["api_url"] + "/Journals", headers=headers, timeout=5)
        assert (down.status_code, down.text) == (503, "The Xero API is currently offline for maintenance")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
