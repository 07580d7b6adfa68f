"""Which PostgreSQL driver cooperates with which async mode: eventlet, gevent or threading.

The parent starts a throwaway PostgreSQL 15 cluster on loopback (as the ``postgres`` user, in a
temporary directory it removes afterwards), then runs one child process per combination of async
mode and driver (psycopg2, patched by psycogreen under eventlet and gevent, or pg8000). Each child
monkey-patches first, builds a SQLAlchemy engine (pool_size=20, max_overflow=0) and measures:

1. cooperation: how many 10 ms sleeps a ticking task completes while another task runs
   ``SELECT pg_sleep(0.5)`` (about 50 when the driver yields, 0 or 1 when it blocks the process);
2. throughput: 50 concurrent workers, each doing 200 short transactions shaped like the app's
   writes (a SELECT by primary key, then a compare-and-set UPDATE on the version column of a
   200-row table): transactions per second, p50 and p99 latency per transaction (pool wait
   included) and the child's peak RSS.

Each child prints one JSON line; the parent prints a Markdown table of them and nothing else.

Run from the project root: ``.venv/bin/python bench/pg_drivers.py``.
"""

# Only modules that are safe to import before monkey-patching belong up here: the child patches
# first and imports SQLAlchemy, the drivers and threading afterwards.
import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

PG_BIN = "/usr/lib/postgresql/15/bin"
MODES = ("eventlet", "gevent", "threading")
DRIVERS = ("psycopg2", "pg8000")
ROWS = 200
WORKERS = 50
TX_PER_WORKER = 200
POOL_SIZE = 20
SLEEP_SECONDS = 0.5
TICK_SECONDS = 0.01
CHILD_TIMEOUT = 150.0
STATES = ("waiting", "speaking", "listening", "paused", "closed")


# --------------------------------------------------------------------------------------------
# Child side
# --------------------------------------------------------------------------------------------


class Runtime:
    """How to spawn, wait for and sleep in concurrent tasks under one async mode."""

    def __init__(
        self,
        spawn: Callable[..., Any],
        wait: Callable[[Any], Any],
        sleep: Callable[[float], None],
    ) -> None:
        self.spawn = spawn
        self.wait = wait
        self.sleep = sleep


def patch(mode: str, driver: str) -> Runtime:
    """Monkey-patch for ``mode`` (psycogreen too, for psycopg2) and return its runtime helpers."""
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
        if driver == "psycopg2":
            import psycogreen.eventlet

            psycogreen.eventlet.patch_psycopg()
        return Runtime(eventlet.spawn, lambda task: task.wait(), eventlet.sleep)
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        import gevent

        if driver == "psycopg2":
            import psycogreen.gevent

            psycogreen.gevent.patch_psycopg()
        return Runtime(gevent.spawn, lambda task: task.get(), gevent.sleep)
    return Runtime(_thread_spawn, lambda task: task.wait(), time.sleep)


class _ThreadTask:
    """A started thread that keeps its function's result or exception for ``wait``."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        import threading

        self._fn = fn
        self._args = args
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._fn(*self._args)
        except BaseException as error:  # handed to wait()
            self._error = error

    def wait(self) -> Any:
        """Join the thread; return its result or raise its exception."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def _thread_spawn(fn: Callable[..., Any], *args: Any) -> _ThreadTask:
    return _ThreadTask(fn, args)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * p // 100)))
    return ordered[int(rank) - 1]


def measure_cooperation(engine: Any, runtime: Runtime) -> dict[str, float]:
    """Count the 10 ms ticks another task completes while one runs ``SELECT pg_sleep(0.5)``."""
    from sqlalchemy import text

    ticks: list[float] = []
    stop = [False]

    def ticker() -> None:
        while not stop[0]:
            runtime.sleep(TICK_SECONDS)
            ticks.append(time.perf_counter())

    def sleeper() -> tuple[float, float]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            start = time.perf_counter()
            conn.execute(text("SELECT pg_sleep(:s)"), {"s": SLEEP_SECONDS})
            return start, time.perf_counter()

    ticking = runtime.spawn(ticker)
    runtime.sleep(0.05)  # let the ticker get going
    start, end = runtime.wait(runtime.spawn(sleeper))
    stop[0] = True
    runtime.wait(ticking)
    return {
        "ticks": sum(1 for tick in ticks if start <= tick <= end),
        "sleep_s": end - start,
    }


def measure_throughput(engine: Any, runtime: Runtime) -> dict[str, float]:
    """Run WORKERS tasks of TX_PER_WORKER compare-and-set transactions; summarise latencies."""
    import random

    from sqlalchemy import text

    select = text("SELECT version, state FROM t WHERE id = :id")
    update = text("UPDATE t SET version = version + 1, state = :s WHERE id = :id AND version = :v")

    def worker(seed: int) -> tuple[list[float], int]:
        rng = random.Random(seed)
        latencies: list[float] = []
        misses = 0
        for _ in range(TX_PER_WORKER):
            row_id = rng.randint(1, ROWS)
            state = rng.choice(STATES)
            began = time.perf_counter()
            with engine.begin() as conn:
                version = conn.execute(select, {"id": row_id}).one().version
                result = conn.execute(update, {"s": state, "id": row_id, "v": version})
            latencies.append(time.perf_counter() - began)
            if result.rowcount != 1:
                misses += 1
        return latencies, misses

    began = time.perf_counter()
    tasks = [runtime.spawn(worker, seed) for seed in range(WORKERS)]
    outcomes = [runtime.wait(task) for task in tasks]
    elapsed = time.perf_counter() - began
    latencies = [latency for got, _ in outcomes for latency in got]
    return {
        "tx": len(latencies),
        "elapsed_s": elapsed,
        "tx_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "cas_misses": sum(misses for _, misses in outcomes),
    }


def run_child(mode: str, driver: str, url: str) -> None:
    """Patch, set up the table, measure, and print one JSON line."""
    runtime = patch(mode, driver)
    from sqlalchemy import create_engine, text

    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=0)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS t"))
        conn.execute(
            text(
                "CREATE TABLE t (id integer PRIMARY KEY, version integer NOT NULL,"
                " state text NOT NULL)"
            )
        )
        conn.execute(
            text("INSERT INTO t SELECT g, 0, 'waiting' FROM generate_series(1, :n) AS g"),
            {"n": ROWS},
        )
    # Open every pooled connection up front, so neither measurement pays for connecting.
    warm = [engine.connect() for _ in range(POOL_SIZE)]
    for conn in warm:
        conn.close()

    report: dict[str, Any] = {"mode": mode, "driver": driver}
    report.update(measure_cooperation(engine, runtime))
    report.update(measure_throughput(engine, runtime))
    report["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    print(json.dumps(report), flush=True)


# --------------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on loopback other than 5432."""
    import socket

    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 5432:
            return port


def as_postgres(*argv: str) -> None:
    """Run a PostgreSQL binary as the ``postgres`` user, quietly; raise if it fails."""
    import subprocess

    subprocess.run(
        ["runuser", "-u", "postgres", "--", *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def run_one(mode: str, driver: str, base_url: str) -> dict[str, Any]:
    """Run one child; return its JSON report, or an ``error`` entry if it failed."""
    import subprocess

    url = base_url.replace("postgresql://", f"postgresql+{driver}://", 1)
    argv = [sys.executable, os.path.abspath(__file__), "--child", mode, driver, "--url", url]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"mode": mode, "driver": driver, "error": f"timed out after {CHILD_TIMEOUT:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"mode": mode, "driver": driver, "error": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1])


def table(reports: list[dict[str, Any]]) -> str:
    """The Markdown table of the children's reports."""
    lines = [
        "| mode | driver | ticks during pg_sleep(0.5) | tx/s | p50 ms | p99 ms | RSS MiB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        if "error" in r:
            lines.append(f"| {r['mode']} | {r['driver']} | failed: {r['error']} | | | | |")
            continue
        lines.append(
            f"| {r['mode']} | {r['driver']} | {r['ticks']} | {r['tx_per_s']:.0f}"
            f" | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['rss_mib']:.1f} |"
        )
    return "\n".join(lines)


def run_parent() -> None:
    """Start the throwaway cluster, run every child against it, print the table, clean up."""
    import pwd
    import shutil
    import tempfile

    user = pwd.getpwnam("postgres")
    tmpdir = tempfile.mkdtemp(prefix="pg_drivers-")
    data = os.path.join(tmpdir, "data")
    port = free_port()
    started = False
    try:
        os.chown(tmpdir, user.pw_uid, user.pw_gid)
        as_postgres(f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres")
        options = f"-k {tmpdir} -c listen_addresses=127.0.0.1 -c port={port} -c fsync=off"
        log = os.path.join(tmpdir, "server.log")
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start")
        started = True
        base_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        reports = [run_one(mode, driver, base_url) for mode in MODES for driver in DRIVERS]
        print(table(reports))
    finally:
        if started:
            as_postgres(f"{PG_BIN}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(tmpdir, ignore_errors=True)


def main() -> None:
    """Parse the arguments; run as the parent, or as one child when given ``--child``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--child", nargs=2, metavar=("MODE", "DRIVER"), help="internal: run one measurement"
    )
    parser.add_argument("--url", help="internal: the SQLAlchemy URL for --child")
    args = parser.parse_args()
    if args.child:
        mode, driver = args.child
        if mode not in MODES or driver not in DRIVERS or not args.url:
            parser.error(f"--child takes one of {MODES} and one of {DRIVERS}, and needs --url")
        run_child(mode, driver, args.url)
    else:
        run_parent()


if __name__ == "__main__":
    main()
