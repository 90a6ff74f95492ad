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
from plugins.myob.sandbox import MyobSandbox

ROOT = Path(__file__).parents[3]


def _headers(creds: dict, token: str, version: str = "v2") -> dict:
    return {"Authorization": f"Bearer {token}", "x-myobapi-key": creds["api_key"], "x-myobapi-version": version,
            "Accept-Encoding": "gzip,deflate"}


def test_sync_client_over_loopback_with_faults():
    sandbox = MyobSandbox()
    with start_in_thread(sandbox.app) as server:
        creds = sandbox.credentials(server.url)
        with httpx.Client(timeout=5) as http:
            token = http.post(creds["token_url"], data={
                "grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
                "client_id": creds["client_id"], "client_secret": creds["client_secret"]}).json()["access_token"]
            headers = _headers(creds, token)
            files = http.get(creds["api_url"] + "/", headers=headers).json()
            cf = files[0]["Uri"]
            assert cf.startswith(server.url + "/ar1/accountright/")
            created = http.post(cf + "/Contact/Customer", headers={**headers, "Content-Type": "application/json"},
                                content=b'{"CompanyName": "Loopback Pty Ltd"}')
            assert created.status_code == 201 and created.headers["Location"].startswith(cf)
            sandbox.faults.add({"kind": "reset", "count": 1})
            with pytest.raises(httpx.RemoteProtocolError):
                http.get(cf + "/Contact/Customer", headers=headers)
            sandbox.faults.add({"kind": "latency", "delay": 1.0, "count": 1})
            with pytest.raises(httpx.ReadTimeout):
                http.get(cf + "/Contact/Customer", headers=headers, timeout=0.2)
            listed = http.get(cf + "/Contact/Customer", headers=headers)
            assert listed.status_code == 200 and listed.json()["Count"] == 1


def test_serve_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"kind": "maintenance", "path": "*/GeneralLedger/*"}]))
    code = "from plugins.myob.sandbox import serve; serve(0, %r)" % str(faults)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        facts = json.loads(proc.stdout.readline())
        assert set(facts) == {"api_url", "token_url", "authorize_url", "business_id", "client_id", "client_secret",
                              "api_key", "refresh_token", "essentials_api_url", "essentials_business_id"}
        token = httpx.post(facts["token_url"], data={
            "grant_type": "refresh_token", "refresh_token": facts["refresh_token"],
            "client_id": facts["client_id"], "client_secret": facts["client_secret"]}, timeout=5).json()["access_token"]
        cf = f"{facts['api_url']}/{facts['business_id']}"
        assert httpx.get(cf + "/Company/Preferences", headers=_headers(facts, token), timeout=5).status_code == 200
        down = httpx.get(cf + "/GeneralLedger/Account", headers=_headers(facts, token), timeout=5)
        assert down.status_code == 503
        legacy = httpx.get(f"{facts['essentials_api_url']}/businesses/{facts['essentials_business_id']}/sale/invoices",
                           headers=_headers(facts, token, "v0"), timeout=5)
        assert legacy.status_code == 200 and legacy.json()["page"]["totalElements"] == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
