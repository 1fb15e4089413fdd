"""The match service under load over loopback: tutela's index against faiss IndexBinaryFlat behind the same API.

A store (SQLite) holds N synthetic PDQ entries (src/tutela/matching/pdq_synthetic.py: random bits, no image);
`tutela serve --match-only --workers 2` serves it on a free 127.0.0.1 port. An asyncio client process sends POST
/api/v1/match/lookup with 100 hashes each (half a stored hash with 0-31 bits flipped, half random) for a fixed
time, then again while 100,000 new entries are imported in batches, then the same load against a server whose
PDQ index is faiss IndexBinaryFlat (range search, exact) behind the same service, for a bounded count.

    .venv/bin/python bench/match_service.py                      # 10M entries (prepared once in --work)
    .venv/bin/python bench/match_service.py --entries 1000000 --seconds 10

Prints hashes/s, per-request latency p50/p95/p99, failures, RSS and PSS of each worker (PSS shares the mapped
index pages out among the processes that map them), the ratio against faiss, and the machine's load.
Targets (issue 8): >= 5,000 hashes/s, p95 < 50 ms per 100-hash request, RSS <= 2.5 GB with 2 workers, no failed
request and p95 < 100 ms while 100k entries are added.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
BATCH = 100
WORKERS = 2


def main() -> None:
    args = _arguments()
    work = Path(args.work).resolve()
    print(f"match service over loopback: {args.entries:,} PDQ entries, {WORKERS} workers, {BATCH} hashes a request, "
          f"{args.clients} requests in flight (asyncio client process); corpus: uniform random PDQs; queries: half "
          f"near a stored hash (0-31 bits flipped), half random; load before: {_load()}")
    key, queries = _prepare(work, args.entries)
    env = _environment(work)

    _index_current(work)  # earlier runs added entries: rebuilt here once, outside the timings
    serve = [sys.executable, "-m", "tutela", "serve", "--match-only", "--workers", str(WORKERS)]
    with _server(serve, env) as (url, pid):
        health = _get(url + "/api/v1/match/health")
        print(f"tutela: index {health['pdq_entries']:,} PDQ entries, opened; workers {_workers(pid)}")
        _warm(url, key, queries)
        cpu = _server_cpu(pid)
        steady = _run_load(url, key, queries, seconds=args.seconds, clients=args.clients)
        _report("tutela, steady", steady)
        print(f"  server CPU {(_server_cpu(pid) - cpu) / steady['requests'] * 1000:.1f} ms a request (both workers)")
        print(f"  memory after load: {_memory(pid)}")
        cpu = _server_cpu(pid)
        live = _live_phase(url, key, queries, work, args)
        _report("tutela, while 100k entries are added", live["load"])
        print(f"  server CPU {(_server_cpu(pid) - cpu) / live['load']['requests'] * 1000:.1f} ms a request "
              "(both workers, taking up the new entries included)")
        print(f"  new entries live {live['live_after']:.1f} s after the last import "
              f"(reload every {env['TUTELA_MATCH_RELOAD_SECONDS']} s); memory: {_memory(pid)}")

    # One OpenMP thread a worker, as our index answers a request on one thread: two workers with two spinning
    # OpenMP threads each on two cores starve one another (requests past a minute on a loaded machine).
    faiss_env = {**env, "PYTHONPATH": str(BENCH), "TUTELA_MATCH_WORKERS": str(WORKERS), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "uvicorn", "match_service:faiss_app", "--factory", "--workers", str(WORKERS),
               "--log-level", "warning"]
    _index_current(work)
    with _server(command, faiss_env, uvicorn_port=True) as (url, pid):
        _warm(url, key, queries, requests=1)
        flat = _run_load(url, key, queries, seconds=args.faiss_seconds, clients=WORKERS,
                         max_requests=args.faiss_requests, timeout=600)
        _report("faiss IndexBinaryFlat behind the same API", flat)
        print(f"  memory after load: {_memory(pid)}")
    ratio = steady["rate"] / flat["rate"] if flat["rate"] else float("inf")
    print(f"ratio tutela / faiss flat: {ratio:.1f}x hashes/s; load after: {_load()}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--work", default="/tmp/tutela-bench-match-service", help="kept between runs")
    parser.add_argument("--seconds", type=float, default=20.0, help="steady load duration")
    parser.add_argument("--clients", type=int, default=4, help="requests in flight (keep-alive connections)")
    parser.add_argument("--added", type=int, default=100_000, help="entries imported during the live phase")
    parser.add_argument("--faiss-seconds", type=float, default=60.0)
    parser.add_argument("--faiss-requests", type=int, default=10)
    return parser.parse_args()


# preparation -------------------------------------------------------------------------------------------------
def _environment(work: Path) -> dict[str, str]:
    return {**os.environ, "TUTELA_HOME": str(work / "home"), "TUTELA_MATCH_RATE_LIMIT": "1000000",
            "TUTELA_MATCH_RELOAD_SECONDS": "5", "TUTELA_DATABASE_URL": ""}


def _prepare(work: Path, entries: int) -> tuple[str, np.ndarray]:
    """The store, its index files, a partner key and the queries; made once per size and reused."""
    marker = work / f"ready-{entries}"
    if not marker.exists():
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        started = time.perf_counter()
        _build(work, entries)
        marker.write_text("ok")
        print(f"prepared {entries:,} entries in {time.perf_counter() - started:.0f} s (store + index files)")
    return (work / "key").read_text(), np.load(work / "queries.npy")


def _build(work: Path, entries: int) -> None:
    from sqlalchemy.orm import Session

    from tutela.domain.banks import Trust
    from tutela.matching import pdq_synthetic
    from tutela.matching.digest_index import DigestIndex
    from tutela.matching.indexes import PDQ_FILE, build_near_index
    from tutela.services.partners import add_partner, new_key, share
    from tutela.services.store import open_store
    from tutela.settings import Settings
    from tutela.store.library import LibraryStore

    settings = Settings(home=work / "home")
    engine = open_store(settings, create=True)
    store = LibraryStore(engine)
    bank = store.add_bank("national", trust=Trust.TRUSTED)
    rng = np.random.default_rng(8)
    rows = pdq_synthetic.uniform(entries, rng)
    database = sqlite3.connect(work / "home" / "tutela.sqlite3")
    with database:
        database.executemany(
            "INSERT INTO bank_entries (bank_id, entry_key, pdq, category) VALUES (?, ?, ?, 'a')",
            ((bank.id, i.to_bytes(16, "big"), rows[i].tobytes()) for i in range(entries)))
    first = database.execute("SELECT min(id) FROM bank_entries").fetchone()[0]
    database.close()
    with engine.begin() as connection:
        LibraryStore._bump_generation(connection)
    generation = store.generation()
    ids = np.arange(first, first + entries, dtype=np.int64)
    folder = settings.index_folder
    folder.mkdir(parents=True, exist_ok=True)
    DigestIndex.build([], generation).save(folder / "digests")
    build_near_index(ids, rows, generation).save(folder / PDQ_FILE, generation=generation)
    np.save(work / "queries.npy", pdq_synthetic.mixed_queries(rows, 20_000, rng))
    with Session(engine) as session, session.begin():
        add_partner(session, "bench-platform", "os:bench")
        share(session, "bench-platform", "national", "os:bench")
        (work / "key").write_text(new_key(session, "bench-platform", "bench", "os:bench").key)
    engine.dispose()


def _index_current(work: Path) -> None:
    from tutela.matching.indexes import open_or_build
    from tutela.services.store import open_store
    from tutela.settings import Settings
    from tutela.store.library import LibraryStore

    settings = Settings(home=work / "home")
    engine = open_store(settings)
    started = time.perf_counter()
    open_or_build(settings.index_folder, LibraryStore(engine))
    engine.dispose()
    if time.perf_counter() - started > 5:
        print(f"index rebuilt from the store in {time.perf_counter() - started:.0f} s (entries added by a past run)")


# the faiss server (imported by uvicorn in each worker) --------------------------------------------------------
class FaissNear:
    """faiss IndexBinaryFlat (exact, linear) with the search interface the matcher uses."""

    def __init__(self, index, ids: np.ndarray, extra: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.index, self.ids, self.extra = index, ids, extra

    def __len__(self) -> int:
        return self.index.ntotal + (0 if self.extra is None else len(self.extra[1]))

    def search(self, queries: np.ndarray, threshold: int) -> list[list[tuple[int, int]]]:
        limits, distances, labels = self.index.range_search(np.ascontiguousarray(queries), threshold + 1)
        out = [list(zip(self.ids[labels[limits[i]:limits[i + 1]]].tolist(),
                        distances[limits[i]:limits[i + 1]].tolist(), strict=True)) for i in range(len(queries))]
        if self.extra is not None:
            rows, ids = self.extra
            near = np.bitwise_count(queries.view(np.uint64)[:, None, :] ^ rows.view(np.uint64)[None]).sum(axis=2)
            for i, row in enumerate(near):
                out[i] += [(int(ids[j]), int(row[j])) for j in np.flatnonzero(row <= threshold)]
        return out

    def with_added(self, rows: np.ndarray, ids: np.ndarray) -> FaissNear:
        old_rows, old_ids = self.extra or (np.zeros((0, 32), np.uint8), np.zeros(0, np.int64))
        return FaissNear(self.index, self.ids, (np.concatenate([old_rows, rows]), np.concatenate([old_ids, ids])))


def faiss_app():
    import faiss

    from tutela.matching.indexes import PDQ_FILE
    from tutela.matching.pdq_index import PdqIndex
    from tutela.settings import load_settings
    from tutela.web.match_app import create_match_app

    settings = load_settings()
    mapped = PdqIndex.open(settings.index_folder / PDQ_FILE)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(np.ascontiguousarray(mapped._main.rows))  # a copy in each worker: faiss keeps its own codes
    near = FaissNear(flat, np.array(mapped._main.ids))
    return create_match_app(settings, workers=settings.match_workers, near=near)


# serving and load ---------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _server(command: list[str], env: dict[str, str], uvicorn_port: bool = False):
    port = _free_port()
    full = [*command, "--port", str(port)] + (["--host", "127.0.0.1"] if uvicorn_port else [])
    log = open(Path(env["TUTELA_HOME"]).parent / f"server-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(full, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=BENCH.parent)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            if process.poll() is not None:
                raise SystemExit(f"server exited, see {log.name}")
            try:
                _get(url + "/api/v1/match/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not come up") from None
                time.sleep(0.5)
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _get(url: str) -> dict:
    import httpx

    try:
        return httpx.get(url, timeout=5).json()
    except httpx.HTTPError as exc:
        raise OSError(str(exc)) from None


def _warm(url: str, key: str, queries: np.ndarray, requests: int = 8) -> None:
    """Each worker compiles its kernels and touches the index once before timing starts."""
    _run_load(url, key, queries, seconds=600, clients=WORKERS, max_requests=requests, timeout=600)


def _run_load(url: str, key: str, queries: np.ndarray, *, seconds: float, clients: int,
              max_requests: int | None = None, timeout: float = 60) -> dict:
    """``clients`` requests kept in flight for ``seconds`` (or ``max_requests``), from a child process.

    The client is one asyncio loop (httpx.AsyncClient, a keep-alive connection per request in flight) in its own
    process, so the importer of the live phase never stalls it; its CPU time is returned to be reported, to show
    the client is not what limits the figures.
    """
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    child = context.Process(target=_load_process, args=(answers, url, key, queries, seconds, clients, max_requests,
                                                        timeout))
    child.start()
    while True:
        try:
            result = answers.get(timeout=1)
            break
        except queue.Empty:
            if not child.is_alive():
                raise SystemExit(f"the load process failed (exit status {child.exitcode})") from None
    child.join()
    return result


def _load_process(answers, url: str, key: str, queries: np.ndarray, seconds: float, clients: int,
                  max_requests: int | None, timeout: float) -> None:
    cpu = time.process_time()
    result = asyncio.run(_send(url, key, queries, seconds, clients, max_requests, timeout))
    result["client_cpu"] = time.process_time() - cpu
    answers.put(result)


async def _send(url: str, key: str, queries: np.ndarray, seconds: float, clients: int, max_requests: int | None,
                timeout: float) -> dict:
    import httpx

    hexes = [bytes(row).hex() for row in queries]
    rng = np.random.default_rng()
    # Bodies encoded before the clock starts: the client's own JSON work is not what is measured.
    bodies = [json.dumps({"hashes": [f"pdq:{hexes[i]}" for i in rng.integers(0, len(hexes), BATCH)]}).encode()
              for _ in range(500)]
    latencies: list[float] = []
    failures: list[str] = []
    sent = [0]
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at and (max_requests is None or sent[0] < max_requests):
            body = bodies[sent[0] % len(bodies)]
            sent[0] += 1
            started = time.perf_counter()
            try:
                response = await http.post("/api/v1/match/lookup", content=body)
                ok = response.status_code == 200 and len(response.json()["results"]) == BATCH
                problem = None if ok else f"status {response.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            elapsed = time.perf_counter() - started
            (failures.append(problem) if problem else latencies.append(elapsed))

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=timeout, headers=headers, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    wall = time.perf_counter() - started
    done = np.array(latencies) * 1000 if latencies else np.zeros(1)
    return {"requests": len(latencies), "failures": failures, "wall": wall, "rate": len(latencies) * BATCH / wall,
            "p50": float(np.percentile(done, 50)), "p95": float(np.percentile(done, 95)),
            "p99": float(np.percentile(done, 99))}


def _report(title: str, result: dict) -> None:
    print(f"{title}: {result['rate']:,.0f} hashes/s ({result['requests']} requests of {BATCH} in "
          f"{result['wall']:.1f} s), per request p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
          f"p99 {result['p99']:.1f} ms, failed {len(result['failures'])}"
          + (f" ({sorted(set(result['failures']))})" if result["failures"] else "")
          + f"; client CPU {result['client_cpu']:.1f} s ({100 * result['client_cpu'] / result['wall']:.0f}% of a core)")


def _live_phase(url: str, key: str, queries: np.ndarray, work: Path, args: argparse.Namespace) -> dict:
    """Load while ``args.added`` new entries are imported in 10 batches; then how long until they all match."""
    from tutela.domain.categories import Category
    from tutela.formats.entries import LibraryEntry
    from tutela.matching import pdq_synthetic
    from tutela.services.store import open_store
    from tutela.settings import Settings
    from tutela.store.library import LibraryStore

    store = LibraryStore(open_store(Settings(home=work / "home")))
    added = pdq_synthetic.uniform(args.added, np.random.default_rng(int(time.time())))
    result: dict = {}
    loader = threading.Thread(target=lambda: result.update(load=_run_load(
        url, key, queries, seconds=max(args.seconds, 30.0), clients=args.clients)))
    loader.start()
    time.sleep(2)
    for part in np.array_split(added, 10):
        entries = [LibraryEntry(pdq=bytes(row).hex(), category=Category.B) for row in part]
        store.import_rows("national", entries, skip_invalid=False, file_name="bench", file_sha256="0" * 64,
                          fmt="csv")
        time.sleep(1)
    last_import = time.monotonic()
    loader.join()
    probe = [f"pdq:{bytes(row).hex()}" for row in added[-20:]]
    import httpx

    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as http:
        while True:
            answers = [http.post("/api/v1/match/lookup", json={"hashes": probe}).json() for _ in range(2 * WORKERS)]
            if all(all(r["matches"] for r in a["results"]) for a in answers):
                break
            time.sleep(0.2)
    result["live_after"] = time.monotonic() - last_import
    store.engine.dispose()
    return result


# measuring ---------------------------------------------------------------------------------------------------
def _workers(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid and b"multiprocessing.resource_tracker" not in command:
                found.append(int(entry.name))
    return sorted(found)


def _memory(pid: int) -> str:
    parts, total_rss, total_pss = [], 0, 0
    for worker in _workers(pid):
        rss = _status_kb(worker, "VmRSS")
        pss = _rollup_kb(worker, "Pss")
        total_rss, total_pss = total_rss + rss, total_pss + pss
        parts.append(f"worker {worker} RSS {rss / 1024:,.0f} MB PSS {pss / 1024:,.0f} MB")
    return "; ".join(parts) + f"; total RSS {total_rss / 1024:,.0f} MB, total PSS {total_pss / 1024:,.0f} MB"


def _server_cpu(pid: int) -> float:
    """CPU seconds the workers have used (user + system)."""
    total = 0
    for worker in _workers(pid):
        fields = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _rollup_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
