"""Pages and API reads under load on one gunicorn sync worker, beside hello world in the same server.

The script builds the demo database (`load_demo`, as `flask --app wsgi demo` does; SQLite in a
temporary folder, or the PostgreSQL database given), starts gunicorn with the repository's
`gunicorn.conf.py` and ONE sync worker serving `bench/pages_server.py` (Voelspriet plus two
hello-world routes), logs in over HTTP as a demo lead and a demo auditor (their session cookies
go to `wrk` as a header), makes an API token for each through the services, and runs `wrk` for a
few seconds per route. It prints requests per second per route and each route's share of
hello-world Flask, beside the targets of issue 9 (network detail >= 10%, other pages >= 15%,
API reads >= 25%). Hello world is measured first and last, and the shares use the mean of the
two, because these machines are noisy. The worker's `max_requests` recycling is switched off,
so a restart never lands inside a measurement. The server is stopped by its PID at the end.

It prints figures and asserts nothing. `wrk` is a Debian package (`scripts/setup` installs it).
Run:

    .venv/bin/python -m bench.pages [--seconds 3] [--connections 2] [--only detail,api]
        [--postgresql URL]   # on PostgreSQL instead, e.g. postgresql://postgres@127.0.0.1:5432/bench
                             # (its tables are replaced)
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER_AGENT = "voelspriet-bench"  # the same for login and wrk: sessions are bound to it
START_TIMEOUT_SECONDS = 60
LEAD = "sanne.hermans@venlo.example.nl"
AUDITOR = "ruud.janssen@venlo.example.nl"
NETWORK = "Sleutelfigurennetwerk Venlo-Oost"  # in maintenance: it has every kind of page
TARGETS = {"detail": 0.10, "page": 0.15, "api": 0.25}


@dataclass(frozen=True)
class Route:
    label: str
    path: str
    kind: str  # "hello", "detail", "page" or "api": which target applies
    who: str = "lead"  # whose session or token reads it


@dataclass
class Demo:
    network: int
    member: int
    meeting: int
    signal: int
    tokens: dict[str, str]


def build_demo(url: str) -> Demo:
    """Load the demo into a fresh database and make an API token for the lead and the auditor."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from lifecycle import create_app
    from lifecycle.demo import load_demo
    from lifecycle.extensions import db
    from lifecycle.models import Meeting, Member, Network, Signal, User
    from lifecycle.services.accounts import create_token
    from lifecycle.services.uow import write_transaction

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        summary = load_demo()
        print("demo: {municipalities} municipalities, {users} users, {networks} networks, "
              "{records} audit records".format(**summary))
        network = db.session.scalar(select(Network.id).where(Network.name == NETWORK))

        def first(model) -> int:
            return db.session.scalar(select(model.id).where(model.network_id == network)
                                     .order_by(model.id))
        tokens = {}
        with write_transaction():
            for who, email in (("lead", LEAD), ("auditor", AUDITOR)):
                user = db.session.scalar(select(User).where(User.email == email))
                tokens[who] = create_token(user, label="bench", origin="127.0.0.1")
        demo = Demo(network, first(Member), first(Meeting), first(Signal), tokens)
        db.engine.dispose()
    return demo


def routes(demo: Demo) -> list[Route]:
    n = f"/netwerken/{demo.network}"
    api = f"/api/v1/networks/{demo.network}"
    return [
        Route("dashboard", "/dashboard", "page"),
        Route("network list", "/netwerken", "page"),
        Route("network detail", n, "detail"),
        Route("network dossier", f"{n}/dossier", "page"),
        Route("network history", f"{n}/geschiedenis", "page"),
        Route("audit trail", "/audit", "page", "auditor"),
        Route("overview", "/overzicht", "page"),
        Route("organisations", f"{n}/organisaties", "page"),
        Route("people", f"{n}/personen", "page"),
        Route("person", f"{n}/personen/{demo.member}", "page"),
        Route("candidates", f"{n}/kandidaten", "page"),
        Route("profile", f"{n}/profiel", "page"),
        Route("meetings", f"{n}/bijeenkomsten", "page"),
        Route("meeting", f"{n}/bijeenkomsten/{demo.meeting}", "page"),
        Route("signals", f"{n}/signalen", "page"),
        Route("signal", f"{n}/signalen/{demo.signal}", "page"),
        Route("exchange", f"{n}/uitwisseling", "page"),
        Route("api networks", "/api/v1/networks", "api"),
        Route("api network", api, "api"),
        Route("api checklists", f"{api}/checklists", "api"),
        Route("api history", f"{api}/history", "api"),
        Route("api audit", "/api/v1/audit", "api", "auditor"),
        Route("api dashboard", "/api/v1/dashboard", "api"),
        Route("api members", f"{api}/members", "api"),
        Route("api composition", f"{api}/composition", "api"),
        Route("api signals", f"{api}/signals", "api"),
        Route("api meetings", f"{api}/meetings", "api"),
    ]


# --- the server ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, headers: dict[str, str], data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"User-Agent": USER_AGENT, **headers})
    try:
        response = OPENER.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.headers, response.read().decode("utf-8", "replace")


def cookies_of(headers) -> dict[str, str]:
    return dict(value.split(";", 1)[0].split("=", 1) for value in headers.get_all("Set-Cookie", []))


def log_in(base: str, email: str) -> str:
    """Log in through the login form; return the Cookie header of the new session."""
    from lifecycle.demo import DEMO_PASSWORD

    _status, headers, page = fetch(base + "/login", {})
    cookies = cookies_of(headers)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, headers, _page = fetch(base + "/login", {"Cookie": cookie}, {
        "email": email, "password": DEMO_PASSWORD, "next": "",
        "csrf_token": csrf.group(1) if csrf else ""})
    if status != 302:
        sys.exit(f"logging in as {email} answered {status}, not a redirect")
    cookies.update(cookies_of(headers))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def start_server(url: str, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-pages", "MFA_REQUIRED": "0"}
    log = open(log_path, "w")
    # --max-requests 0: gunicorn.conf.py recycles a worker every ~2,000 requests, which would
    # put a worker restart inside almost every hello-world measurement.
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
         "--max-requests", "0", "--bind", f"127.0.0.1:{port}", "bench.pages_server:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            fetch(f"http://127.0.0.1:{port}/healthz", {})
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit(f"gunicorn did not start; see {log_path}:\n{log_path.read_text()[-2000:]}")


# --- the measurements ----------------------------------------------------------------------

def requests_per_second(url: str, headers: dict[str, str], seconds: int,
                        connections: int) -> float:
    command = ["wrk", "--threads", "1", "--connections", str(connections),
               "--duration", f"{seconds}s", "--timeout", "10s", "--header",
               f"User-Agent: {USER_AGENT}"]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        print(f"    wrk reported errors for {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="wrk's duration per route")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--only", default="",
                        help="comma-separated parts of route labels to measure (hello always)")
    parser.add_argument("--postgresql", metavar="URL",
                        help="use this PostgreSQL database instead of SQLite (tables replaced)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run scripts/setup (or apt-get install wrk)")
    if not list(ROOT.glob("translations/*/LC_MESSAGES/*.mo")):
        # Untranslated pages would look cheaper than the real ones.
        sys.exit("the translations are not compiled: run scripts/setup")

    from lifecycle.config import normalise_database_url

    with tempfile.TemporaryDirectory() as folder:
        url = normalise_database_url(args.postgresql) if args.postgresql else \
            f"sqlite:///{Path(folder) / 'pages.sqlite3'}"
        demo = build_demo(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(folder) / "gunicorn.log"
        server = start_server(url, port, log_path)
        try:
            headers = {"lead": {"Cookie": log_in(base, LEAD)},
                       "auditor": {"Cookie": log_in(base, AUDITOR)}}
            wanted = [part.strip() for part in args.only.split(",") if part.strip()]
            chosen = [route for route in routes(demo)
                      if not wanted or any(part in route.label for part in wanted)]

            def headers_for(route: Route) -> dict[str, str]:
                if route.kind == "api":
                    return {"Authorization": f"Bearer {demo.tokens[route.who]}"}
                return headers[route.who]

            for route in chosen:  # a redirect to the login page would look fast to wrk
                status, _headers, _body = fetch(base + route.path, headers_for(route))
                if status != 200:
                    sys.exit(f"{route.label} ({route.path}) answered {status}, not 200")

            def measure(path: str, route_headers: dict[str, str]) -> float:
                return requests_per_second(base + path, route_headers, args.seconds,
                                           args.connections)

            print(f"{'SQLite' if not args.postgresql else 'PostgreSQL'}, one gunicorn sync "
                  f"worker, wrk {args.seconds}s and {args.connections} connections per route")
            plain = measure("/__hello", {})
            hello_first = measure("/__hello-flask", {})
            figures = [(route, measure(route.path, headers_for(route))) for route in chosen]
            hello_last = measure("/__hello-flask", {})
            hello = (hello_first + hello_last) / 2
            print(f"  {'hello world (plain WSGI)':<24} {plain:8.0f}/s")
            print(f"  {'hello world (Flask)':<24} {hello:8.0f}/s   (first {hello_first:.0f}, "
                  f"last {hello_last:.0f}; the 100% below)")
            for route, rate in figures:
                share, target = rate / hello, TARGETS[route.kind]
                verdict = "ok" if share >= target else "BELOW"
                print(f"  {route.label:<24} {rate:8.0f}/s  {share:6.1%} of hello world  "
                      f"target {target:.0%}  {verdict:<5}  {route.path}")
        finally:
            server.terminate()
            server.wait(timeout=START_TIMEOUT_SECONDS)


if __name__ == "__main__":
    main()
