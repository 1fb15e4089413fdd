"""Grading under load: 20 examiners at once on a store of 1M media records (PostgreSQL), through `tutela serve`.

Each examiner signs in, then loops: open an exhibit's queue page (GET /grading/exhibits/REF), grade the first card
(POST /grading/groups/ID/grade, as the page's script does). Examiners share exhibits five at a time, so some
grades meet a conflict (409) or a trusted group that leaves the queue, as in a real unit. The baseline, measured in
the same run against the same server and load, is GET /api/v1/me: a signed-in request that reads nothing else.

    .venv/bin/python bench/web_grading.py [--media 1000000] [--examiners 20] [--seconds 30]

Target (issue 7): queue pages and grade posts p95 < 150 ms with 1M media records on PostgreSQL, 20 examiners.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password of examiners"
SECRET = "bench-secret-key-of-at-least-32-characters-long"
EXHIBITS = 50
CARD = re.compile(r'data-group="(\d+)"[^>]*?data-version="(\d+)"', re.S)


def group_sizes(rng: random.Random, items: int) -> list[int]:
    """Near-duplicate group sizes as seized phones show them: most pictures alone, some in bursts and copies."""
    sizes, total = [], 0
    while total < items:
        size = min(rng.choice((1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 6, 10)), items - total)
        sizes.append(size)
        total += size
    return sizes


def seed(url: str, media: int, examiners: int) -> None:
    """Teams, cases, exhibits, `media` items (90% unknown, in groups; 10% known) by COPY, and the accounts."""
    from sqlalchemy.orm import Session

    from tutela.services.accounts import add_user
    from tutela.store.database import open_engine
    from tutela.store.migrate import upgrade
    from tutela.store.unit import UnitStore

    engine = open_engine(url)
    upgrade(engine)
    store = UnitStore(engine)
    store.add("teams", {"ref": "T-B01", "name": "Borough one", "kind": "borough"})
    for n in range(EXHIBITS):
        store.add("cases", {"ref": f"CASE-{n:03d}", "team": "T-B01"})
        store.add("exhibits", {"ref": f"EX-{n:03d}", "case": f"CASE-{n:03d}", "type": "phone"})
    raw = engine.raw_connection()
    try:
        _copy_media(raw, media)
        raw.commit()
    finally:
        raw.close()
    with Session(engine) as session, session.begin():
        for n in range(examiners):
            add_user(session, name=f"examiner{n:02d}", role="examiner", team_ref="T-B01", password=PASSWORD,
                     actor="bench")
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def _copy_media(raw, media: int) -> None:
    rng = random.Random(7)
    cursor = raw.cursor()
    exhibit_ids = [row[0] for row in cursor.execute("SELECT id FROM exhibits ORDER BY ref")]
    now = datetime.now(UTC)
    ingest_ids = []
    for exhibit in exhibit_ids:
        cursor.execute("INSERT INTO ingests (exhibit_id, source_path, evidence_sha256_before, started) "
                       "VALUES (%s, %s, %s, %s) RETURNING id", (exhibit, f"/seized/{exhibit}", "0" * 64, now))
        ingest_ids.append(cursor.fetchone()[0])
    per_exhibit = media // len(exhibit_ids)
    item_id, group_id = 0, 0
    groups, items = [], []
    for exhibit, ingest in zip(exhibit_ids, ingest_ids, strict=True):
        unknown = per_exhibit * 9 // 10
        for size in group_sizes(rng, unknown):
            group_id += 1
            groups.append((group_id, exhibit, item_id + 1, size, "still"))
            for _ in range(size):
                item_id += 1
                items.append((item_id, ingest, exhibit, item_id, "unknown_still", None, None, group_id))
        for _ in range(per_exhibit - unknown):
            item_id += 1
            items.append((item_id, ingest, exhibit, item_id, "known", "national", "a", None))
    with cursor.copy("COPY media_groups (id, exhibit_id, representative_id, size, kind) FROM STDIN") as copy:
        for row in groups:
            copy.write_row(row)
    columns = ("id, ingest_id, exhibit_id, locator_key, locator, deleted, size, md5, sha256, kind, mime, outcome, "
               "bank, category, group_id")
    with cursor.copy(f"COPY media_items ({columns}) FROM STDIN") as copy:
        for row_id, ingest, exhibit, n, outcome, bank, category, group in items:
            digest = n.to_bytes(8, "big") * 4
            copy.write_row((row_id, ingest, exhibit, digest, f'{{"path": "/DCIM/IMG_{n}.jpg"}}', False, 2_000_000,
                            digest[:16], digest, "still", "image/jpeg", outcome, bank, category, group))
    cursor.execute("SELECT setval(pg_get_serial_sequence('media_groups', 'id'), %s)", (group_id,))
    cursor.execute("SELECT setval(pg_get_serial_sequence('media_items', 'id'), %s)", (item_id,))
    print(f"seeded {item_id:,} media items in {group_id:,} groups over {len(exhibit_ids)} exhibits")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(url: str):
    port = free_port()
    env = {**os.environ, "TUTELA_DATABASE_URL": url, "TUTELA_SECRET_KEY": SECRET, "TUTELA_HOME": "/tmp/tutela-bench"}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "tutela"), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/login", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("tutela serve did not start: " + server.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    try:
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(30)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def signed_in(base: str, name: str):
    import httpx

    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert answer.status_code == 303, answer.text[:300]
    client.headers["X-CSRF-Token"] = client.get("/api/v1/me").json()["csrf_token"]
    return client


def examiner_loop(client, exhibit: str, until: float, out: dict[str, list[float]], counts: dict[str, int]) -> None:
    skipped: list[str] = []
    while time.monotonic() < until:
        started = time.perf_counter()
        page = client.get(f"/grading/exhibits/{exhibit}", params=[("skip", s) for s in skipped[-50:]])
        out["queue"].append(time.perf_counter() - started)
        assert page.status_code == 200, page.status_code
        card = CARD.search(page.text)
        if card is None:
            break
        group, version = card.groups()
        started = time.perf_counter()
        answer = client.post(f"/grading/groups/{group}/grade", data={"category": random.choice("abc"),
                                                                      "version": version},
                             headers={"Accept": "application/json"})
        out["grade"].append(time.perf_counter() - started)
        counts[str(answer.status_code)] = counts.get(str(answer.status_code), 0) + 1
        if answer.status_code == 409:
            skipped.append(group)


def baseline_loop(client, until: float, out: dict[str, list[float]]) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        assert client.get("/api/v1/me").status_code == 200
        out["me"].append(time.perf_counter() - started)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def report(name: str, values: list[float], seconds: float) -> str:
    return (f"  {name:<22} {len(values):6d} requests  {len(values) / seconds:7.1f}/s"
            f"  p50 {percentile(values, 50):6.1f} ms  p95 {percentile(values, 95):6.1f} ms"
            f"  max {max(values) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--examiners", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from stores import postgres_database  # a fresh database on the PostgreSQL server, dropped afterwards

    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with postgres_database() as url:
        started = time.perf_counter()
        seed(url, args.media, args.examiners)
        print(f"store seeded in {time.perf_counter() - started:.1f} s (PostgreSQL, COPY)")
        with served(url) as (base, pid):
            clients = [signed_in(base, f"examiner{n:02d}") for n in range(args.examiners)]
            timings: dict[str, list[float]] = {"queue": [], "grade": [], "me": []}
            counts: dict[str, int] = {}
            until = time.monotonic() + args.seconds
            _threads([(baseline_loop, (c, until, timings)) for c in clients])
            until = time.monotonic() + args.seconds
            _threads([(examiner_loop, (c, f"EX-{n // 5:03d}", until, timings, counts)) for n, c in enumerate(clients)])
            rss = peak_rss_mb(pid)
            for client in clients:
                client.close()
    print(f"{args.examiners} examiners at once, {args.seconds:.0f} s each phase, {args.media:,} media records")
    print(report("GET /api/v1/me (base)", timings["me"], args.seconds))
    print(report("GET queue page", timings["queue"], args.seconds))
    print(report("POST grade", timings["grade"], args.seconds))
    print(f"  grade answers: {dict(sorted(counts.items()))}")
    base_p95 = percentile(timings["me"], 95)
    for name in ("queue", "grade"):
        print(f"  ratio {name} p95 / baseline p95: {percentile(timings[name], 95) / base_p95:.2f}x"
              f"  (target p95 < 150 ms: {'met' if percentile(timings[name], 95) < 150 else 'MISSED'})")
    print(f"  peak RSS: server {rss:.0f} MB, bench {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


def _threads(work) -> None:
    threads = [threading.Thread(target=target, args=args) for target, args in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
