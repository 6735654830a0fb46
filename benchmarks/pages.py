"""The web pages beside the JSON API they are built on: what rendering HTML costs.

Each page is timed against its peer in the API over the same data, so the table shows what
the page adds (templates, assessment context, the matplotlib figures as PNG data URIs,
WeasyPrint for the PDF) rather than what the registry costs:

- the case page ``/cases/{id}`` against ``GET /api/cases/{id}``;
- the case list ``/cases`` against ``GET /api/cases`` (the page's 25 rows);
- the summary PDF against the printable summary it is made from;
- the outcomes dashboard ``/outcomes`` (survival, benchmarks, concordance, four figures)
  against ``GET /api/analytics/km`` with the dashboard's default grouping;
- the stenosis planner with its default rings against ``POST /api/mct/plan`` with the same
  numbers (the page also runs the design search and the force curve and draws two figures);
- every page again in Simplified Chinese (``Accept-Language: zh-CN``) against itself in
  English, so the ``zh/en`` ratio is what the language costs (issue 17: at most 10 %): the
  catalogue lookups, the engine's texts, the CJK font in the figures and the PDF.

The server is ``rectoplan serve`` with one Uvicorn worker, started and stopped as the service
benchmark does (`benchmarks/service.py`), over a temporary SQLite registry prepared with the
demo cohort and a clinician account before it starts (as the browser tests prepare theirs).
The pages are read with the session cookie the login form sets, the API with a bearer token.
Each endpoint is read first by one client, one request after another (the latency), then by
eight clients at once (the throughput of one worker). Every run is a fixed number of
requests; the clients share the cores with the server, so the figures are a floor. A
request answered with anything but 2xx (or not answered) is counted, named in its row, and
makes the script exit non-zero after the table, with the end of the server's log (the other
rows are still measured). No assertions on time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import service
from rectoplan.registry import users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.web.bootstrap import prepare
from rectoplan.web.pages.cases import PAGE_SIZE
from rectoplan.web.pages.outcomes import DEFAULTS as OUTCOME_DEFAULTS
from rectoplan.web.pages.session import COOKIE
from rectoplan.web.settings import Settings

WORKERS = 1
CLIENTS = 8
CASE = "seed001-diagnosis"
USER = "bench-clinician"
WARM_UP = 2
"""Requests before each timed run: the first answer of a page pays for imports (WeasyPrint,
matplotlib) and template compilation, which a running clinic has long since paid. For the
outcomes dashboard and the analytics API it also pays for the statistics and figures, which are
then kept until the registry changes (`rectoplan.reports.cache`): its rows time a registry that
is read, not written. The first request after a write pays the whole computation: 2.3 s on the
2,000-case demo before the per-procedure and 1/3/5-year sections were added, 6.5 s with them,
both on 2 cores shared at a load average of about 12 (December 2026)."""
OUTCOME_FILTERED = {"procedure": "apr", "from_year": "2019", "to_year": "2023"}


@dataclass(frozen=True)
class Endpoint:
    """One row of the table: what is asked, with which credentials, how many times, and the
    row it is compared with (its ``peer``: the ratio is this row's p50 over the peer's)."""

    name: str
    path: str
    via: str  # "page": the session cookie; "api": the bearer token
    sequential: int
    each: int  # requests per client in the concurrent run
    method: str = "GET"
    params: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    peer: str | None = None
    ratio_label: str = ""
    headers: dict[str, str] | None = None


CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def in_chinese(endpoint: Endpoint) -> Endpoint:
    """The same page asked for in Chinese, compared with itself in English."""
    return dataclasses.replace(
        endpoint,
        name=f"{endpoint.name} [zh-CN]",
        headers=CHINESE,
        peer=endpoint.name,
        ratio_label="zh/en",
    )


def with_chinese(rows: list[Endpoint]) -> list[Endpoint]:
    """Each page followed by its Chinese twin. API rows stay English only (the API's display
    texts are the engine's, which `benchmarks/assess.py` times in both languages), and so do
    the CSV exports (data, with English column names in every language)."""
    result = []
    for row in rows:
        result.append(row)
        if row.via == "page" and not row.path.endswith(".csv"):
            result.append(in_chinese(row))
    return result


@dataclass
class Measured:
    endpoint: Endpoint
    sequential: service.Run
    concurrent: service.Run
    size_bytes: int = 0
    content_type: str = ""


class Refused(RuntimeError):
    """The login form or the token route refused the benchmark's user: nothing to measure."""


def planner_rows() -> list[Endpoint]:
    """The planner page with its own default inputs and the API plan with the same numbers;
    none (with a message) if this checkout has no planner page yet."""
    try:
        from rectoplan.web.pages.planners import DEFAULTS, _plan_body
    except ImportError as exc:
        print(f"skipping the stenosis planner rows: no planner page ({exc})")
        return []
    # _plan_body is the page's own translation of its form into the API's request: the same
    # numbers by construction, not a second copy of the mapping
    return [
        Endpoint("POST /api/mct/plan", "/api/mct/plan", "api", 100, 20, "POST", None,
                 _plan_body(DEFAULTS)),
        Endpoint("GET /planner/stenosis (defaults)", "/planner/stenosis", "page", 10, 2,
                 params=DEFAULTS, peer="POST /api/mct/plan", ratio_label="page/API"),
    ]  # fmt: skip


def endpoints() -> list[Endpoint]:
    case = f"/cases/{CASE}"
    km = {"format": "json", "group_by": OUTCOME_DEFAULTS["group_by"]}
    return with_chinese([
        Endpoint(f"GET /api{case}", f"/api{case}", "api", 200, 50),
        Endpoint(f"GET {case}", case, "page", 100, 20,
                 peer=f"GET /api{case}", ratio_label="HTML/JSON"),
        Endpoint(f"GET /api/cases?limit={PAGE_SIZE}", "/api/cases", "api", 100, 20,
                 params={"limit": PAGE_SIZE}),
        Endpoint("GET /cases", "/cases", "page", 60, 12,
                 peer=f"GET /api/cases?limit={PAGE_SIZE}", ratio_label="HTML/JSON"),
        Endpoint(f"GET {case}/summary", f"{case}/summary", "page", 100, 20),
        Endpoint(f"GET {case}/summary.pdf", f"{case}/summary.pdf", "page", 12, 3,
                 peer=f"GET {case}/summary", ratio_label="PDF/HTML"),
        Endpoint("GET /api/analytics/km?format=json", "/api/analytics/km", "api", 24, 4,
                 params=km),
        Endpoint("GET /outcomes", "/outcomes", "page", 60, 10,
                 peer="GET /api/analytics/km?format=json", ratio_label="page/JSON"),
        Endpoint("GET /outcomes (APR, 2019-23)", "/outcomes", "page", 60, 10,
                 params=OUTCOME_FILTERED),
        Endpoint("GET /outcomes/export/km-patients.csv", "/outcomes/export/km-patients.csv",
                 "page", 60, 10),
        *planner_rows(),
    ])  # fmt: skip


def prepare_registry(folder: Path) -> None:
    """Schema, admin and demo cohort as ``rectoplan serve --demo`` would make them, plus the
    clinician the benchmark signs in as (the server's own ``--demo`` then finds the registry
    full and loads nothing)."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'bench.sqlite3'}",  # where start_server points
        secret_key=os.urandom(32).hex(),
        admin_password=service.PASSWORD,
    )
    prepare(settings, demo=service.DEMO)
    engine = make_engine(settings.database_url)
    try:
        with transaction(session_factory(engine), "benchmark-setup") as session:
            users.create_user(session, USER, users.Role.clinician, service.PASSWORD)
    finally:
        engine.dispose()


def credentials(base: str) -> dict[str, dict[str, str]]:
    """The client settings of each ``via``: the session cookie from the login form, and
    the bearer token from ``POST /api/token``."""
    form = {"username": USER, "password": service.PASSWORD}
    with httpx.Client(base_url=base, timeout=30.0) as http:
        page = http.get("/login")  # sets the login form's pre-session CSRF cookie
        token = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
        login = http.post("/login", data={**form, "csrf_token": token.group(1) if token else ""})
        if login.status_code != 303 or COOKIE not in login.cookies:
            raise Refused(f"POST /login answered {login.status_code} without a session cookie")
        token = http.post("/api/token", data=form)
        if token.status_code != 200:
            raise Refused(f"POST /api/token answered {token.status_code}")
    return {
        "page": {"cookies": {COOKIE: login.cookies[COOKIE]}},
        "api": {"headers": {"Authorization": f"Bearer {token.json()['access_token']}"}},
    }


def record(run: service.Run, response: httpx.Response | str, started: float) -> bool:
    """Keep a 2xx answer's latency, or count its status (or the transport error that came
    instead of an answer) as an error: the script then fails."""
    if isinstance(response, httpx.Response) and response.is_success:
        run.latencies_ms.append((time.perf_counter() - started) * 1e3)
        return True
    key = response if isinstance(response, str) else str(response.status_code)
    run.errors[key] = run.errors.get(key, 0) + 1
    return False


def sent(http: httpx.Client, endpoint: Endpoint) -> httpx.Response | str:
    """The answer, or the name of the transport error (a dropped connection is a failure to
    report, not a reason to lose the other rows)."""
    try:
        return http.request(
            endpoint.method,
            endpoint.path,
            params=endpoint.params,
            json=endpoint.body,
            headers=endpoint.headers,
        )
    except httpx.TransportError as exc:
        return type(exc).__name__


async def sent_async(http: httpx.AsyncClient, endpoint: Endpoint) -> httpx.Response | str:
    try:
        return await http.request(
            endpoint.method,
            endpoint.path,
            params=endpoint.params,
            json=endpoint.body,
            headers=endpoint.headers,
        )
    except httpx.TransportError as exc:
        return type(exc).__name__


def sequential(base: str, endpoint: Endpoint, auth: dict[str, Any]) -> Measured:
    """One client on one keep-alive connection: warm-up, then the timed requests."""
    warm_up, run = service.Run(), service.Run()
    sample = None
    with httpx.Client(base_url=base, timeout=120.0, **auth) as http:
        for _ in range(WARM_UP):
            response = sent(http, endpoint)
            if record(warm_up, response, time.perf_counter()):
                sample = response
        began = time.perf_counter()
        for _ in range(endpoint.sequential):
            started = time.perf_counter()
            record(run, sent(http, endpoint), started)
        run.seconds = time.perf_counter() - began
    for status, count in warm_up.errors.items():
        run.errors[status] = run.errors.get(status, 0) + count
    measured = Measured(endpoint, run, service.Run())
    if sample is not None:
        measured.size_bytes = len(sample.content)
        measured.content_type = sample.headers.get("content-type", "").split(";")[0]
    return measured


async def concurrent(base: str, endpoint: Endpoint, auth: dict[str, Any]) -> service.Run:
    """``CLIENTS`` clients at once, each with its own connection, ``each`` requests apiece."""
    run = service.Run()
    clients = [httpx.AsyncClient(base_url=base, timeout=120.0, **auth) for _ in range(CLIENTS)]

    async def client(http: httpx.AsyncClient) -> None:
        for _ in range(endpoint.each):
            started = time.perf_counter()
            record(run, await sent_async(http, endpoint), started)

    try:
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for http in clients))
        run.seconds = time.perf_counter() - began
    finally:
        for http in clients:
            await http.aclose()
    return run


def measure(base: str, only: str = "") -> list[Measured]:
    """Every endpoint, or those whose name contains ``only`` (``pages.py planner``)."""
    auth = credentials(base)
    results = []
    for endpoint in (e for e in endpoints() if only.lower() in e.name.lower()):
        began = time.perf_counter()
        measured = sequential(base, endpoint, auth[endpoint.via])
        measured.concurrent = asyncio.run(concurrent(base, endpoint, auth[endpoint.via]))
        print(f"  {endpoint.name}: {time.perf_counter() - began:.1f} s", flush=True)
        results.append(measured)
    return results


def p50(run: service.Run) -> float | None:
    return run.percentile(50) if run.latencies_ms else None


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def failures(m: Measured) -> str:
    """The non-2xx answers of a row, by status, per run ("" when there were none)."""
    runs = (("1 client", m.sequential), (f"{CLIENTS} clients", m.concurrent))
    return "; ".join(
        f"{count} x {status} with {label}"
        for label, run in runs
        for status, count in sorted(run.errors.items())
    )


def table(results: list[Measured]) -> str:
    by_name = {m.endpoint.name: m for m in results}
    kinds = {"text/html": "html", "application/json": "json", "application/pdf": "pdf"}
    header = (
        f"{'endpoint':<52} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'n (8)':>6} "
        f"{'req/s (8)':>9} {'size kB':>10}  p50 ratio to peer"
    )
    lines = [header, "-" * len(header)]
    for m in results:
        e, seq, conc = m.endpoint, m.sequential, m.concurrent
        ratio = ""
        if e.peer in by_name:
            mine, theirs = p50(seq), p50(by_name[e.peer].sequential)
            if mine is not None and theirs is not None:
                ratio = f"{e.ratio_label} x{mine / theirs:.1f}"
        rate = len(conc.latencies_ms) / conc.seconds if conc.seconds else 0.0
        size = f"{m.size_bytes / 1024:.1f} {kinds.get(m.content_type, m.content_type)}"
        p95 = seq.percentile(95) if seq.latencies_ms else None
        failed = failures(m)
        lines.append(
            f"{e.name:<52} {len(seq.latencies_ms):>4} {ms(p50(seq)):>8} {ms(p95):>8} "
            f"{len(conc.latencies_ms):>6} {rate:>9.1f} {size:>10}  {ratio}"
            + (f"  NON-2xx: {failed}" if failed else "")
        )
    return "\n".join(lines)


def server_problems(folder: Path, lines: int = 30) -> str:
    """The end of the server's log without the access lines: the last traceback, if any."""
    log = (folder / "server.log").read_text().splitlines()
    return "\n".join([line for line in log if not line.startswith("INFO:")][-lines:])


def main(only: str = "") -> int:
    service.WORKERS = WORKERS  # start_server reads the service benchmark's module setting
    print(
        f"rectoplan serve: {WORKERS} Uvicorn worker on 127.0.0.1, SQLite registry with the demo "
        f"cohort ({service.DEMO:,} synthetic + examples); latency from 1 client in sequence, "
        f"throughput from {CLIENTS} concurrent clients; {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="rectoplan-bench-pages-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        prepare_registry(folder)
        port = service.free_port()
        base = f"http://127.0.0.1:{port}"
        server = service.start_server(folder, port)
        try:
            service.wait_until_up(base, server)
            print(f"server up in {time.perf_counter() - started:.1f} s (registry prepared)")
            results = measure(base, only)
            exited = server.poll()  # None while it still serves
        except BaseException as exc:
            print(server_problems(folder), file=sys.stderr)
            if isinstance(exc, Refused):
                print(f"error: {exc}", file=sys.stderr)
                return 1
            raise
        finally:
            service.stop_server(server)
        failed = exited is not None or any(failures(m) for m in results)
        problems = server_problems(folder) if failed else ""
    print(table(results))
    print(
        "n: sequential requests (p50/p95 from these); n (8): requests by the 8 concurrent "
        "clients; size: the first answer's body (HTML pages carry their figures as PNG data "
        "URIs)"
    )
    if problems:
        if exited is not None:
            print(f"\nthe server exited during the run with code {exited}", file=sys.stderr)
        print(
            f"\nfailed requests (see the table); the server log ends:\n{problems}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:])))
