"""Several server processes on one database: who is alive, whose screens each holds, and
which one moves rooms on.

- **Heartbeats.** Each web process beats every ``HEARTBEAT_SECONDS`` and, in the same look,
  mends the store's list of its screens from its own (a write that failed, a process given up
  for dead while it was only cut off). A process silent for ``PROCESS_TIMEOUT_SECONDS`` is
  forgotten by whoever holds the ticker's lease: its screens go, and anyone left with no
  screen anywhere is marked away, so the rooms stop waiting for a crashed process's people.
- **One ticker (per share).** The ticker's lease names one holder until a time; the holder
  renews it, and when it stops (killed, frozen, cut off) another process takes it once it has
  run out. With ``TICKER_SHARES`` above one, the rooms are split by id and each share has a
  lease of its own, handed out so each living process holds about as many (``lead_share``).
  Rooms move on by compare-and-set, so even two tickers in the moment of a takeover move a
  room once.

Times are the app's clock (seconds since the epoch): processes on several machines need their
clocks kept in step (NTP), as the deadlines already do.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, exists, select, true, update

from ..changes import Changes
from ..extensions import db
from ..models import Lease, ListeningSession, Participant, Screen, ServerProcess, SessionStatus
from . import store
from .presence import set_presence
from .store import insert_missing, me

#: the ticker's lease (for its first share, whose holder also sweeps and gives processes up)
TICKER = "ticker"


def beat(now: float, held: Callable[[], set[int]]) -> Changes:
    """Say this process is alive, and make the store's list of its screens match what it holds
    (``held()``: the participants it has a screen of now); return what changed for the rooms.

    Usually one UPDATE and one small read. After this process was given up for dead, or a
    presence write failed or lost a race, it puts back what is missing (marking those people
    connected again) and takes away what is not so. What it holds is looked at before and after
    the read, so a screen that came or went meanwhile is left to its own write.
    """
    before = held()
    screens, people = store.table(Screen), store.table(Participant)

    def write() -> tuple[set[int], set[int]]:
        alive = db.session.execute(
            update(store.table(ServerProcess))
            .where(store.table(ServerProcess).c.id == me())
            .values(beat_at=now)
        )
        if alive.rowcount == 0:  # type: ignore[attr-defined]
            db.session.execute(insert_missing(ServerProcess, [{"id": me(), "beat_at": now}]))
        rows = db.session.execute(
            select(screens.c.participant_id, people.c.present)
            .join(people, people.c.id == screens.c.participant_id)
            .where(screens.c.process_id == me())
        ).all()
        return {pid for pid, _present in rows}, {pid for pid, present in rows if not present}

    stored, marked_away = store.attempt(write, "The heartbeat tries again.")
    after = held()
    changes = Changes()
    missing = sorted(((before & after) - stored) | (marked_away & before & after))
    extra = sorted(stored - before - after)
    if missing:
        changes.add(set_presence(missing, True))
    if extra:
        changes.add(set_presence(extra, False))
    return changes


def reap(now: float, timeout: float) -> Changes:
    """Forget processes silent for ``timeout`` seconds, and mark away everyone in an open
    session who is marked connected but has no screen left in any process."""
    return _forget(ServerProcess.beat_at < now - timeout, leases=False)


def forget_others() -> Changes:
    """Forget every other process at once, and any lease one held: one process holding a SQLite
    store alone knows nobody else is connected (they left with the processes that ended before
    it started), and nobody else ticks."""
    return _forget(true(), leases=True)


def _forget(which, leases: bool) -> Changes:
    """Forget the other processes ``which`` names (their screens with them, and with ``leases``
    whatever lease any other process held), then mark away whoever has no screen left."""
    processes = store.table(ServerProcess)
    gone = (processes.c.id != me()) & which

    def write() -> None:
        db.session.execute(
            delete(store.table(Screen)).where(
                Screen.process_id.in_(select(processes.c.id).where(gone))
            )
        )
        db.session.execute(delete(processes).where(gone))
        if leases:  # nobody else ticks: no need to wait for an old lease to run out
            db.session.execute(delete(store.table(Lease)).where(Lease.holder != me()))

    store.attempt(write, "Forgetting silent processes is tried again.")
    return _mark_screenless_away()


def _mark_screenless_away() -> Changes:
    stranded = db.session.scalars(
        select(Participant.id)
        .join(ListeningSession, ListeningSession.id == Participant.session_id)
        .where(
            Participant.present.is_(True),
            ListeningSession.status != SessionStatus.ENDED,
            ~exists().where(Screen.participant_id == Participant.id),
        )
    ).all()
    db.session.rollback()
    return set_presence(list(stranded), False) if stranded else Changes()


def lead(name: str, now: float, seconds: float) -> bool:
    """Take or renew the lease ``name`` for ``seconds``; return whether this process holds it.

    One compare-and-set: it is ours if we hold it or it has run out. The first process to ask
    after a holder stops renewing takes it; nobody else can until it runs out again.
    """
    leases = store.table(Lease)

    def write() -> bool:
        taken = db.session.execute(
            update(leases)
            .where(leases.c.name == name, (leases.c.holder == me()) | (leases.c.until < now))
            .values(holder=me(), until=now + seconds)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        made = db.session.execute(
            insert_missing(Lease, [{"name": name, "holder": me(), "until": now + seconds}])
        )
        return made.rowcount == 1  # type: ignore[attr-defined]

    return store.attempt(write, "The lease is asked for again.")


def share_lease(number: int) -> str:
    """Return the name of the lease for this share of the ticker's work (share 0: ``ticker``)."""
    return TICKER if number == 0 else f"{TICKER}:{number}"


def lead_share(number: int, shares: int, now: float, seconds: float, alive: float) -> bool:
    """Take, renew or give up share ``number`` of ``shares`` of the ticker's work; return
    whether this process holds it now.

    With one share this is the one lease. With several, each living process (one that beat
    within ``alive`` seconds) should hold about as many as the others: a process takes a free
    share while it holds fewer than its part (the shares over the living processes, rounded up),
    or any share left unrenewed for a whole lease (its holder is gone, whatever the parts say);
    and one holding more than its part gives its highest share up while another living process
    holds fewer, which then takes it. So a process that starts or comes back gets its part
    within a few renewals, and a dead one's shares are taken within two leases.
    """
    name = share_lease(number)
    if shares == 1:
        return lead(name, now, seconds)
    processes, leases = store.table(ServerProcess), store.table(Lease)
    living = set(
        db.session.scalars(select(processes.c.id).where(processes.c.beat_at >= now - alive))
    ) | {me()}
    held = db.session.execute(
        select(leases.c.name, leases.c.holder, leases.c.until).where(
            leases.c.name.in_([share_lease(n) for n in range(shares)])
        )
    ).all()
    db.session.rollback()
    part = -(-shares // len(living))
    counts = {p: 0 for p in living}
    for _name, holder, until in held:
        if until >= now and holder in counts:
            counts[holder] += 1
    this = next(((holder, until) for n, holder, until in held if n == name), None)
    if this is not None and this[0] == me() and this[1] >= now:
        mine = sorted(int(n.partition(":")[2] or 0) for n, h, u in held if h == me() and u >= now)
        short = any(count < part for p, count in counts.items() if p != me())
        if counts[me()] > part and short and number == mine[-1]:
            let_go(name)
            return False
        return lead(name, now, seconds)
    free = this is None or this[1] < now
    abandoned = this is None or this[1] < now - seconds
    if free and (counts[me()] < part or abandoned):
        return lead(name, now, seconds)
    return False


def let_go(name: str) -> None:
    """Give up the lease now (a process stopping politely), so another need not wait."""
    leases = store.table(Lease)
    store.attempt(
        lambda: db.session.execute(
            update(leases).where(leases.c.name == name, leases.c.holder == me()).values(until=0.0)
        ),
        "Stopping.",
    )
