"""The web application under 20 concurrent signed-in clients, on PostgreSQL holding 1M media records.

Data (made directly with SQL in a fresh database, benign and synthetic): 13 teams (1 central, 12 borough),
2,400 cases (200 a borough), 4,800 exhibits, 200 of them ingested with 5,000 media items each = 1,000,000
media items (outcomes: 30% known graded A/B/C, 60% unknown stills, 10% duplicates; no ingest is marked
finished, so every exhibit page counts its items from the media table: the worst case), 3,000 referrals over
12 weeks (40% awaiting assessment), one operation with warrants, arrests, safeguarding and continuity.
Accounts: 12 investigators (one a borough), 4 examiners, 2 referral officers (central), 2 supervisors; real
argon2 hashes. Server: `tutela serve [--workers N]` on 127.0.0.1; clients: httpx2, each with its own
session, each asking for every page once a round in its own order, for records of its own team.
Baseline in the same run and the same load: /static/tutela.css and the sign-in page (/login).

    .venv/bin/python bench/web.py [--media 1000000] [--rounds 10] [--clients 20] [--workers 1]

Target (issue 7): queue pages and grade posts p95 < 150 ms (the grading engineer adds those to this bench).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
PASSWORD = "bench password, long enough"
SECRET = "bench-secret-" + "x" * 40
BASELINES = ("static asset", "sign-in page")


def make_unit(url: str, media: int) -> None:
    """Every row by SQL (generate_series), in one transaction; then the accounts through the service."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from tutela.services.accounts import add_user
    from tutela.store.database import open_engine
    from tutela.store.migrate import upgrade

    engine = open_engine(url)
    upgrade(engine)
    per_exhibit = max(1, media // 200)
    statements = [
        "INSERT INTO teams (ref, name, kind) VALUES ('T-CEN', 'Central', 'central')",
        "INSERT INTO teams (ref, name, kind) SELECT 'T-B' || lpad(n::text, 2, '0'), 'Borough ' || n, 'borough' "
        "FROM generate_series(1, 12) n",
        "INSERT INTO operations (ref, name, start, \"end\") VALUES ('OP-1', 'Operation Bench', "
        "current_date - 20, current_date - 14)",
        "INSERT INTO cases (ref, team_id, status, opened) SELECT 'CASE-' || lpad(n::text, 5, '0'), "
        "(SELECT id FROM teams WHERE ref = 'T-B' || lpad((1 + n % 12)::text, 2, '0')), 'open', "
        "now() - (n || ' hours')::interval FROM generate_series(1, 2400) n",
        "INSERT INTO suspects (ref, case_id, age) SELECT 'S-' || c.id, c.id, 18 + c.id % 50 FROM cases c",
        "INSERT INTO warrants (ref, case_id, operation_id, executed) SELECT 'W-' || c.id, c.id, "
        "(SELECT id FROM operations), now() - interval '17 days' FROM cases c",
        "INSERT INTO arrests (ref, suspect_id, operation_id, at) SELECT 'A-' || s.id, s.id, "
        "(SELECT id FROM operations), now() - interval '17 days' FROM suspects s WHERE s.id % 2 = 0",
        "INSERT INTO safeguarding (ref, case_id, child_ref, operation_id, at) SELECT 'SG-' || c.id, c.id, "
        "'CH-' || c.id, (SELECT id FROM operations), now() - interval '16 days' FROM cases c WHERE c.id % 3 = 0",
        "INSERT INTO exhibits (ref, case_id, operation_id, type, seized, status) SELECT "
        "'EX-' || lpad(n::text, 5, '0'), 1 + (n - 1) % 2400, (SELECT id FROM operations), "
        "(ARRAY['phone','laptop','tablet','storage'])[1 + n % 4], now() - interval '17 days', "
        "'awaiting_examination' FROM generate_series(1, 4800) n",
        "INSERT INTO continuity_events (exhibit_id, at, from_who, to_who, reason, kind) SELECT e.id, "
        "e.seized + (k || ' hours')::interval, '', 'officer ' || k, 'moved', 'movement' FROM exhibits e, "
        "generate_series(1, 2) k",
        "INSERT INTO ingests (exhibit_id, source_path, evidence_sha256_before, started) SELECT e.id, "
        "'/evidence/' || e.ref || '.img', repeat('ab', 32), now() FROM exhibits e WHERE e.id <= 200",
        f"INSERT INTO media_items (ingest_id, exhibit_id, locator_key, locator, deleted, size, sha256, kind, "
        f"outcome, category) SELECT i.id, i.exhibit_id, sha256(int8send(i.id * {per_exhibit} + k)), "
        f"json_build_object('path', 'DCIM/' || k || '.jpg'), false, 100000 + k, sha256(int8send(k)), 'still', "
        f"CASE WHEN k % 10 < 3 THEN 'known' WHEN k % 10 < 9 THEN 'unknown_still' ELSE 'duplicate' END, "
        f"CASE WHEN k % 10 < 3 THEN (ARRAY['a','b','c'])[1 + k % 3] END "
        f"FROM ingests i, generate_series(1, {per_exhibit}) k",
        "INSERT INTO referrals (ref, received, source, team_id, risk_band, risk_reasons, status) SELECT "
        "'R-' || lpad(n::text, 5, '0'), now() - (n * 20 || ' minutes')::interval, 'NCA', "
        "(SELECT id FROM teams ORDER BY id OFFSET n % 13 LIMIT 1), "
        "(ARRAY['Very High','High','Medium','Low'])[1 + n % 4], json_build_array('factor ' || n % 7), "
        "CASE WHEN n % 5 < 2 THEN 'awaiting_assessment' ELSE 'assessed' END FROM generate_series(1, 3000) n",
        "ANALYZE",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    with Session(engine) as session, session.begin():
        for name, role, team in accounts():
            add_user(session, name=name, role=role, team_ref=team, password=PASSWORD, actor="bench")
    engine.dispose()


def accounts() -> list[tuple[str, str, str | None]]:
    out = [(f"inv{n:02d}", "investigator", f"T-B{n:02d}") for n in range(1, 13)]
    out += [(f"exa{n:02d}", "examiner", f"T-B{n:02d}") for n in range(1, 5)]
    out += [("ref01", "referral_officer", "T-CEN"), ("ref02", "referral_officer", "T-CEN")]
    return [*out, ("sup01", "supervisor", None), ("sup02", "supervisor", None)]


def pages_for(team: str | None) -> dict[str, str]:
    """Page name -> URL, with records of the client's own team (team n holds cases n, n+12, ...)."""
    n = int(team[3:]) if team and team.startswith("T-B") else 1
    case = (n - 1) if n > 1 else 12  # case ids are 1..2400; case id c belongs to team 1 + c % 12
    exhibit = case  # exhibit id e (<= 2400) belongs to case e: ingested with media when e <= 200
    return {
        "referrals queue": "/referrals", "cases list": "/cases", "case page": f"/cases/CASE-{case:05d}",
        "exhibit summary (5k media)": f"/exhibits/EX-{exhibit:05d}", "operations + chart data": "/operations",
        "operation figures": "/operations/OP-1", "case JSON (API)": f"/api/v1/cases/CASE-{case:05d}",
        "weekly chart PNG": "/charts/referrals-weekly.png",
        BASELINES[0]: "/static/tutela.css", BASELINES[1]: "/login",
    }


async def client_run(base: str, name: str, team: str | None, rounds: int, start: asyncio.Barrier,
                     timings: dict[str, list[float]]) -> None:
    import re

    import httpx2

    async with httpx2.AsyncClient(base_url=base, follow_redirects=False, timeout=120) as client:
        form = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        signed = await client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
        assert signed.status_code == 303, (name, signed.status_code)
        pages = list(pages_for(team).items())
        await start.wait()  # every client signed in before any is timed
        for _ in range(rounds):
            random.shuffle(pages)
            for page, url in pages:
                began = time.perf_counter()
                response = await client.get(url)
                elapsed = time.perf_counter() - began
                assert response.status_code == 200, (name, url, response.status_code)
                timings.setdefault(page, []).append(elapsed * 1000)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_up(base: str, server: subprocess.Popen) -> None:
    import httpx2

    for _ in range(600):
        try:
            httpx2.get(base + "/login", timeout=2)
            return
        except httpx2.TransportError:
            if server.poll() is not None:
                raise SystemExit("tutela serve stopped") from None
            time.sleep(0.1)
    raise SystemExit("tutela serve did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


async def load(base: str, clients: int, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    users = accounts()[:clients]
    start = asyncio.Barrier(len(users))
    await asyncio.gather(*(client_run(base, name, team, rounds, start, timings) for name, _, team in users))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="tutela serve --workers")
    args = parser.parse_args()
    from stores import postgres_database

    with postgres_database() as url:
        began = time.perf_counter()
        make_unit(url, args.media)
        print(f"corpus: PostgreSQL, {args.media:,} media items in 200 exhibits, 2,400 cases, 3,000 referrals "
              f"(made by SQL in {time.perf_counter() - began:.1f} s)")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "TUTELA_DATABASE_URL": url, "TUTELA_SECRET_KEY": SECRET, "TUTELA_HOME": "/tmp"}
        server = subprocess.Popen([sys.executable, "-m", "tutela", "serve", "--port", str(port),
                                   "--workers", str(args.workers)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(base, server)
            began = time.perf_counter()
            timings = asyncio.run(load(base, args.clients, args.rounds))
            wall = time.perf_counter() - began
            report(timings, args, wall, peak_rss_mb(server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)


def report(timings: dict[str, list[float]], args, wall: float, server_rss: float) -> None:
    requests = sum(len(v) for v in timings.values())
    print(f"{args.clients} signed-in clients x {args.rounds} rounds: {requests} requests in {wall:.1f} s "
          f"({requests / wall:.0f} requests/s), tutela serve --workers {args.workers}")
    base_p95 = percentile(timings[BASELINES[0]], 0.95)
    print(f"{'page':<28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p95 / static':>13}")
    for page in sorted(timings, key=lambda p: (p in BASELINES, p)):
        values = timings[page]
        p95 = percentile(values, 0.95)
        print(f"{page:<28} {len(values):>5} {statistics.median(values):>8.1f} {p95:>8.1f} {p95 / base_p95:>12.1f}x")
    client_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: server {server_rss:.0f} MB, clients {client_rss:.0f} MB; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
