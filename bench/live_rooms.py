"""Measure one server process running many rooms at once, in each async mode.

Starts ``python -m listening serve`` on a free port, fills ROOMS rooms of 8 simulated people
(real Socket.IO clients, as in a rehearsal), runs a short session, and reports:
- how late snapshots reach clients (receive time minus the server's ``server_now``),
- how late turns start compared with their deadline (the ticker's lateness),
- the server's peak memory (VmHWM) and CPU time.

Usage: .venv/bin/python bench/live_rooms.py [--rooms 25] [--modes eventlet,gevent,threading]
The figures quoted in docs/performance.md come from this script.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from listening.rehearsal import NAMES, Host, Person, create_session  # noqa: E402
from tests.live import Server  # noqa: E402


class Timed(Person):
    """A simulated person who also notes when each snapshot arrived."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lags: list[float] = []
        self.turn_starts: list[float] = []

    def _on_room(self, snapshot: dict) -> None:
        arrived = time.time()
        self.lags.append(arrived - snapshot["server_now"])
        room = snapshot["room"]
        if room["phase"] == "speaking" and room["current"] == self.id and room["turn_seconds"]:
            # deadline - turn length = when the turn was due to begin
            self.turn_starts.append(arrived - (room["deadline"] - room["turn_seconds"]))
        super()._on_room(snapshot)


def _proc_status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _cpu_seconds(pid: int) -> float:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _people(url: str, code: str, first: int, count: int, turn: float, rounds: int, out) -> None:
    """In a worker process: join ``count`` people, follow the session, report what they saw."""
    crowd = [Timed(url, code, NAMES[(first + i) % len(NAMES)], speak_for=0.5) for i in range(count)]
    for person in crowd:
        person.join()
        person.connect()
    # Expected: rounds x 8 turns of at most turn + grace + silence; allow three times that.
    give_up = time.time() + 60 + 3 * rounds * 8 * (turn + 1.0)
    unfinished = 0
    for person in crowd:
        done = person.wait_for(
            lambda p: p.room and p.room["room"]["phase"] == "closed",
            timeout=max(0.1, give_up - time.time()),
        )
        unfinished += not done
    for person in crowd:
        person.close()
    out.put(
        {
            "lags": [lag for p in crowd for lag in p.lags],
            "starts": [s for p in crowd for s in p.turn_starts],
            "unfinished": unfinished,
        }
    )


def run(mode: str, rooms: int, turn: float, rounds: int, per_process: int) -> dict:
    """Run one session of ``rooms`` full rooms and return the measurements."""
    people = rooms * 8
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), mode=mode, LISTENING_AWAY_WAIT_SECONDS="30").start()
        try:
            # Creating needs a signed-in account: the server's first coordinator, made from
            # the setup link it printed (tests/live.py), signed in once.
            made = create_session(
                server.url,
                server.host(),
                title=f"bench {mode}",
                turn_seconds=turn,
                rounds=rounds,
                silence_seconds=0.5,
                grace_seconds=0.5,
            )
            host = Host(server.url, made["code"], made["host_key"])
            host.connect()
            # Simulated people live in several processes, so the clients' own work is spread
            # out and the figures are about the server rather than one busy client process.
            ctx = multiprocessing.get_context("fork")
            out = ctx.Queue()
            workers = [
                ctx.Process(
                    target=_people,
                    # the last process may have fewer than per_process people
                    args=(
                        server.url,
                        made["code"],
                        first,
                        min(per_process, people - first),
                        turn,
                        rounds,
                        out,
                    ),
                )
                for first in range(0, people, per_process)
            ]
            for worker in workers:
                worker.start()
            host.wait_for(lambda c: sum(p["present"] for p in c["people"]) == people, 120)
            cpu_before = _cpu_seconds(server.process.pid)
            began = time.time()
            assert host.send("start")["ok"]
            reports = [out.get(timeout=600) for _ in workers]
            elapsed = time.time() - began
            cpu = _cpu_seconds(server.process.pid) - cpu_before
            status = _proc_status(server.process.pid)
            for worker in workers:
                worker.join(timeout=30)
            host.sio.disconnect()
        finally:
            server.stop()
    lags = sorted(lag for r in reports for lag in r["lags"])
    starts = sorted(s for r in reports for s in r["starts"])
    return {
        "mode": mode,
        "people": people,
        "client_processes": len(workers),
        "snapshots": len(lags),
        "lag_p50_ms": 1000 * statistics.median(lags),
        "lag_p95_ms": 1000 * lags[int(0.95 * (len(lags) - 1))],
        "lag_max_ms": 1000 * lags[-1],
        "turn_start_p95_ms": 1000 * starts[int(0.95 * (len(starts) - 1))],
        "turns": len(starts),
        "unfinished": sum(r["unfinished"] for r in reports),
        "session_s": elapsed,
        "server_cpu_s": cpu,
        "server_peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024,
    }


def main() -> None:
    """Parse arguments, run each mode, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=25)
    parser.add_argument("--turn", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", default="eventlet,gevent,threading")
    parser.add_argument("--per-process", type=int, default=16, help="simulated people a process")
    args = parser.parse_args()
    modes = args.modes.split(",")
    rows = [run(m, args.rooms, args.turn, args.rounds, args.per_process) for m in modes]
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        cells = [f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
