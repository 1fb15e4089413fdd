"""Grading under load: 20 examiners at once on a store of 1M media records (PostgreSQL), through `tutela serve`.

Each examiner signs in, then does what the queue page's script does: open an exhibit's queue page (GET
/grading/exhibits/REF, 20 cards), then for each card look at it for `--think` seconds on average (0.5-1.5x at
random; 1 s is faster than any examiner grades), post the grade (POST /grading/groups/ID/grade) and refresh the
exhibit's counts (GET /api/v1/grading/exhibits/REF/states); the next page when the cards run out. With a pause,
examiners start at random moments within the first five cards' time (all 20 in one millisecond is not a unit).
Examiners share exhibits five at a time, so groups get the three votes that make them trusted, and some grades
meet a conflict (409), as in a real unit. A second phase runs the same without pauses: the machine's ceiling. The
baseline, measured in the same run against the same server, is GET /api/v1/me: a signed-in request that reads
nothing else.
Thumbnails are not fetched (the seeded records have none).

    .venv/bin/python bench/web_grading.py [--media 1000000] [--examiners 20] [--seconds 30] [--think 1.0]
                                          [--workers 1]

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
def served(url: str, workers: int = 1):
    port = free_port()
    env = {**os.environ, "TUTELA_DATABASE_URL": url, "TUTELA_SECRET_KEY": SECRET, "TUTELA_HOME": "/tmp/tutela-bench"}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "tutela"), "serve", "--port", str(port),
                               "--workers", str(workers)], env=env,
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


def examiner_loop(client, exhibit: str, until: float, think: float, out: dict[str, list[float]],
                  counts: dict[str, int]) -> None:
    """What the queue page's script does: load a page of cards, then for each card wait ``think`` seconds (the
    examiner looking), post the grade and refresh the exhibit's counts; the next page when the cards run out."""
    skipped: list[str] = []
    pause = random.Random(exhibit + str(id(client)))
    time.sleep(pause.uniform(0, 5 * think))  # examiners sit down over the first few cards' time, not in one instant
    while time.monotonic() < until:
        started = time.perf_counter()
        page = client.get(f"/grading/exhibits/{exhibit}", params=[("skip", s) for s in skipped[-50:]])
        out["queue"].append(time.perf_counter() - started)
        assert page.status_code == 200, page.status_code
        cards = CARD.findall(page.text)
        if not cards:
            break
        for group, version in cards:
            if time.monotonic() >= until:
                return
            if think:
                time.sleep(pause.uniform(0.5, 1.5) * think)
            started = time.perf_counter()
            answer = client.post(f"/grading/groups/{group}/grade",
                                 data={"category": random.choice("abc"), "version": version},
                                 headers={"Accept": "application/json"})
            out["grade"].append(time.perf_counter() - started)
            counts[str(answer.status_code)] = counts.get(str(answer.status_code), 0) + 1
            if answer.status_code == 409:
                skipped.append(group)
            started = time.perf_counter()
            assert client.get(f"/api/v1/grading/exhibits/{exhibit}/states").status_code == 200
            out["states"].append(time.perf_counter() - started)


def baseline_loop(client, until: float, out: dict[str, list[float]]) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        assert client.get("/api/v1/me").status_code == 200
        out["me"].append(time.perf_counter() - started)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def report(name: str, values: list[float], seconds: float) -> str:
    if not values:
        return f"  {name:<26} no requests"
    return (f"  {name:<26} {len(values):6d} requests  {len(values) / seconds:7.1f}/s"
            f"  p50 {percentile(values, 50):6.1f} ms  p95 {percentile(values, 95):6.1f} ms"
            f"  max {max(values) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--examiners", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds an examiner looks at a card before the key (0.5-1.5x at random)")
    parser.add_argument("--workers", type=int, default=1, help="tutela serve --workers")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from stores import postgres_database  # a fresh database on the PostgreSQL server, dropped afterwards

    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with postgres_database() as url:
        started = time.perf_counter()
        seed(url, args.media, args.examiners)
        print(f"store seeded in {time.perf_counter() - started:.1f} s (PostgreSQL, COPY)")
        with served(url, args.workers) as (base, pid):
            clients = [signed_in(base, f"examiner{n:02d}") for n in range(args.examiners)]
            phases = [("baseline", None), (f"examiners, {args.think:g} s a card", args.think)]
            if args.think:
                phases.append(("examiners, no pause (saturation)", 0.0))
            print(f"{args.examiners} examiners at once, {args.seconds:.0f} s each phase, {args.media:,} media "
                  f"records, tutela serve --workers {args.workers}; examiners share exhibits five at a time")
            base_p95 = None
            for title, think in phases:
                timings: dict[str, list[float]] = {"queue": [], "grade": [], "states": [], "me": []}
                counts: dict[str, int] = {}
                until = time.monotonic() + args.seconds
                if think is None:
                    _threads([(baseline_loop, (c, until, timings)) for c in clients])
                    print(report("GET /api/v1/me (base)", timings["me"], args.seconds))
                    base_p95 = percentile(timings["me"], 95)
                    continue
                _threads([(examiner_loop, (c, f"EX-{n // 5:03d}", until, think, timings, counts))
                          for n, c in enumerate(clients)])
                print(f"-- {title}")
                print(report("GET queue page (20 cards)", timings["queue"], args.seconds))
                print(report("POST grade", timings["grade"], args.seconds))
                print(report("GET exhibit states", timings["states"], args.seconds))
                print(f"  grade answers: {dict(sorted(counts.items()))}")
                for name in ("queue", "grade"):
                    p95 = percentile(timings[name], 95)
                    print(f"  {name} p95 {p95:.1f} ms = {p95 / base_p95:.2f}x the baseline's p95"
                          f"  (target p95 < 150 ms: {'met' if p95 < 150 else 'MISSED'})")
            rss = peak_rss_mb(pid)
            for client in clients:
                client.close()
    print(f"  peak RSS: server {rss:.0f} MB (the supervisor with --workers > 1; see ps for workers), "
          f"bench {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


def _threads(work) -> None:
    threads = [threading.Thread(target=target, args=args) for target, args in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
