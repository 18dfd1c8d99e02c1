"""The production server: gunicorn with the repository's gunicorn.conf.py, for real, on a free
local port, against the test's database. Its access log is one JSON object per line."""
from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 30


def load_settings(monkeypatch) -> object:
    for name in ("GUNICORN_WORKERS", "GUNICORN_TIMEOUT", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_workers_follow_the_cpu_count_with_a_timeout_and_json_access_logs(monkeypatch):
    settings = load_settings(monkeypatch)
    assert settings.workers == multiprocessing.cpu_count() * 2 + 1
    assert 0 < settings.timeout <= 120
    assert settings.accesslog == "-"
    assert settings.logger_class == "lifecycle.gunicorn_logging.JsonAccessLogger"
    assert settings.bind.startswith("127.0.0.1:")  # behind the reverse proxy only


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def server(database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "gunicorn-test",
           "MFA_REQUIRED": "1"}
    log = open(tmp_path / "gunicorn.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            get(base + "/healthz")
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield base, tmp_path / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT_SECONDS)
        log.close()


def test_gunicorn_serves_the_health_endpoints_and_logs_each_request_as_json(server):
    base, log_path = server
    assert get(base + "/healthz") == (200, b'{"status":"ok"}\n')
    status, body = get(base + "/readyz")
    assert (status, json.loads(body)) == (200, {"status": "ready"})
    status, _ = get(base + '/login?next="quoted"')
    assert status == 200
    time.sleep(0.5)  # the access log is written after the response
    lines = [json.loads(line) for line in log_path.read_text().splitlines()
             if line.startswith("{")]
    # The app's own JSON log lines share the output; the access lines are those with a method.
    lines = [line for line in lines if "method" in line]
    assert all(len(line["request_id"] or "") == 32 for line in lines)
    paths = [line["path"] for line in lines]
    assert paths[-3:] == ["/healthz", "/readyz", "/login"]
    login = lines[-1]
    assert login["status"] == 200 and login["method"] == "GET"
    assert "quoted" not in json.dumps(login)  # the query string is not logged
