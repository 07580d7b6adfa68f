"""What coordinators review: the counts, as a chart, an accessible table, and a CSV file of
exactly the same figures. Nothing here names a participant or holds anything anyone said."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user, login_required

from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Refused
from ..services import accounts, counts

bp = Blueprint("counts", __name__)

#: the earliest day a range may start, and its longest span: enough for any real report
EARLIEST = date(2000, 1, 1)
LONGEST = timedelta(days=366 * 10)


def _range() -> tuple[date, date]:
    """Return the range the coordinator chose (the last twelve months unless they chose)."""
    today = stamp(clock_now()).date()
    end = _day(request.args.get("to"), "to") or today
    months_back = end.year * 12 + end.month - 1 - 11  # this month and the eleven before it
    start = _day(request.args.get("from"), "from") or date(
        months_back // 12, months_back % 12 + 1, 1
    )
    if start > end:
        raise Refused("bad_request", "The range must start on or before the day it ends.")
    if end - start > LONGEST:
        raise Refused("bad_request", "Choose a range of ten years or less.")
    return start, end


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or day < EARLIEST or day.year > 9000:
        raise Refused("bad_request", f'Give "{name}" as a date like 2026-12-17, from 2000 on.')
    return day


def _report() -> counts.Report:
    """Return the counts for the range asked for, to a coordinator only."""
    accounts.require_coordinator(current_user.account_id)
    window = timedelta(seconds=current_app.config["HEARD_WINDOW_SECONDS"])
    return counts.report(*_range(), answers_closed=stamp(clock_now()) - window)


@bp.get("/counts")
@login_required
def dashboard():
    """The counts for a date range: a chart, and the same figures in tables."""
    found = _report()
    return render_template(
        "counts/dashboard.html",
        report=found,
        columns=counts.COLUMNS,
        month_name=counts.month_name,
        heard_group=counts.HEARD_GROUP,
        heard_hours=_duration(current_app.config["HEARD_WINDOW_SECONDS"]),
    )


def _duration(seconds: float) -> str:
    """Return "an hour", "2 hours", "30 minutes" or "10 seconds"."""
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size:
            n = round(seconds / size)
            return ("an" if unit == "hour" else "a") + f" {unit}" if n == 1 else f"{n} {unit}s"
    return "a moment"


@bp.get("/counts.csv")
@login_required
def download():
    """The same figures as the page, as a CSV file."""
    found = _report()
    start, end = found.start, found.end
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Group", "Which", *counts.COLUMNS])
    for month, figures in found.months:
        writer.writerow(["Month", month, *figures.row()])
    for host, figures in found.hosts:
        writer.writerow(["Host", _cell(host), *figures.row()])
    writer.writerow(["Total", f"{start} to {end}", *found.total.row()])
    writer.writerow(["Since the start", f"to {end}", *found.since_start.row()])
    name = f"listening-counts-{start}-to-{end}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(text: str) -> str:
    """Return text a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
