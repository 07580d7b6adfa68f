"""Every setting the app reads is in docs/deploy.md's table, so an operator can find it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_setting_the_app_reads_is_in_the_deploy_table():
    read = set()
    for path in (ROOT / "listening").rglob("*.py"):
        read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', path.read_text()))
    table = (ROOT / "docs" / "deploy.md").read_text().split("## Every setting", 1)[1]
    shown = set(re.findall(r"`([A-Z][A-Z_]+)`", table))
    # Rows may shorten a family of limits: `LISTENING_LIMIT_CREATE`, `_JOIN`, …
    shown |= {f"LISTENING_LIMIT{suffix}" for suffix in re.findall(r"`(_[A-Z_]+)`", table)}
    assert len(read) > 30, "the scan finds the settings"
    assert sorted(read - shown) == []
