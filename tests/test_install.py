"""`pip install .` gives a console script that serves every page and asset, from anywhere.

The package is built from a copy of the working tree and installed into a new virtualenv,
then run from a folder outside the repository, so nothing can be found by accident beside the
source. Its dependencies come from this project's .venv (a path file in the new virtualenv),
so the test needs no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from .live import free_port

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "instance", "test-artifacts",
    "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".mypy_cache",
)  # fmt: skip
ASSET = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")
IMPORT = re.compile(r"""from\s+"(\./[^"]+)\"""")

pytestmark = pytest.mark.live


def run(*command, **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Return a new virtualenv with the project installed in it from a built wheel."""
    assert (ROOT / "static" / "vendor" / "socket.io.min.js").exists(), "run `make test`"
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work), str(source))
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    wheel = next(work.glob("listening-*.whl"))
    run(*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    site = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    (Path(site.strip()) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_installed_package_is_the_one_that_runs(installed):
    code = "import listening.app as a; print(a.__file__); print(a._shipped('templates'))"
    module, templates = run(str(installed / "bin" / "python"), "-c", code, cwd=installed).split()
    assert module.startswith(str(installed)) and templates.startswith(str(installed))


def test_the_console_script_serves_every_page_and_every_asset_they_use(installed, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(installed / "bin" / "listening"), "serve", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_up(url, server, log)
        run(
            str(installed / "bin" / "listening"), "create-coordinator",
            "--email", "coordinator@example.org", "--password", PASSWORD,
            cwd=tmp_path, env=env,
        )  # fmt: skip
        http = requests.Session()
        signed_in = http.post(
            f"{url}/api/sign-in",
            json={"email": "coordinator@example.org", "password": PASSWORD},
            timeout=10,
        )
        assert signed_in.status_code == 200, signed_in.text
        created = http.post(f"{url}/api/sessions", json={"title": "Installed"}, timeout=10)
        assert created.status_code == 201, created.text
        code = created.json()["code"]
        later = http.post(
            f"{url}/api/sessions",
            json={"title": "Later", "date": "2099-01-01", "time": "18:00", "time_zone": "UTC"},
            timeout=10,
        )
        assert later.status_code == 400, "more than a year ahead"
        pages = [
            "/", f"/s/{code}", f"/s/{code}/host", f"/s/{code}/qr.svg", "/sessions",
            "/counts", "/counts.csv", "/people", "/account", "/no-such-page",
        ]  # fmt: skip
        assets: set[str] = set()
        for page in pages:
            reply = http.get(url + page, timeout=10)
            assert reply.status_code == (404 if page == "/no-such-page" else 200), page
            assets |= set(ASSET.findall(reply.text))
        expected = {"/static/css/listening.css", "/static/vendor/socket.io.min.js"}
        assert expected | {"/static/vendor/chart.umd.min.js"} <= assets
        fetched = fetch_with_imports(url, assets)
        assert "/static/js/cue.js" in fetched and "/static/js/estimate.js" in fetched
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "listening is running" in log.read_text()


#: the installed server's coordinator's password
PASSWORD = "listen well, friends"


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if requests.get(f"{url}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail(f"the installed server did not answer:\n{log.read_text()}")


def fetch_with_imports(url: str, assets: set[str]) -> set[str]:
    """Fetch every asset, following each module's imports; return every path fetched."""
    todo, seen = sorted(assets), set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        reply = requests.get(url + path, timeout=10)
        assert reply.status_code == 200 and reply.content, path
        if path.endswith(".js") and "/vendor/" not in path:
            todo += [urljoin(path, imported) for imported in IMPORT.findall(reply.text)]
    return seen
