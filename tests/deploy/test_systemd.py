"""The units in ``deploy/systemd`` pass ``systemd-analyze verify`` (with the checkout's paths
in place of /srv/registry/app), and run the commands that exist."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
ANALYZE = shutil.which("systemd-analyze")


def test_every_daily_command_has_a_service_and_a_timer(app):
    runner = app.test_cli_runner()
    commands = {}
    for service in sorted(UNITS.glob("*.service")):
        text = service.read_text(encoding="utf-8")
        assert "EnvironmentFile=/etc/registry/registry.env" in text
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text
        assert re.search(r"^User=registry$", text, re.M)
        command = re.search(r"^ExecStart=/srv/registry/app/\.venv/bin/(.+)$", text, re.M)[1]
        commands[service.stem] = command
        if command.startswith("flask "):
            # Every flask command is a job started by its timer, except the long-running
            # search worker.
            if command != "flask search worker":
                assert (UNITS / f"{service.stem}.timer").exists(), service.name
            # The command exists: its --help works.
            result = runner.invoke(args=command.split()[1:] + ["--help"])
            assert result.exit_code == 0, (command, result.output)
    assert commands["registry-web"] == "gunicorn -c deploy/gunicorn.conf.py wsgi:app"
    assert commands["registry-search-worker"] == "flask search worker"
    assert not (UNITS / "registry-search-worker.timer").exists()
    assert {value for key, value in commands.items()
            if key not in ("registry-web", "registry-search-worker")} == {
        "flask sanctions expire", "flask qualifications expire", "flask users prune-sessions",
        "flask backup create --output /var/lib/registry/backups"}


def test_the_search_worker_runs_for_good_and_stops_on_sigterm():
    text = (UNITS / "registry-search-worker.service").read_text(encoding="utf-8")
    assert re.search(r"^Type=simple$", text, re.M) and re.search(r"^Restart=always$", text, re.M)
    assert re.search(r"^KillSignal=SIGTERM$", text, re.M)
    assert re.search(r"^StateDirectory=registry$", text, re.M)  # where the index lives
    assert re.search(r"^WantedBy=multi-user.target$", text, re.M)


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    venv_bin = ROOT / ".venv" / "bin"
    if not (venv_bin / "gunicorn").exists():
        pytest.skip("no .venv in the checkout (verify needs the executables the units name)")
    for unit in UNITS.iterdir():
        text = unit.read_text(encoding="utf-8").replace("/srv/registry/app", str(ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    units = sorted(str(path) for path in tmp_path.iterdir())
    result = subprocess.run([ANALYZE, "verify", *units], capture_output=True, text=True,
                            timeout=120)
    # Only problems of these units count (the host's own units may have warnings of theirs).
    ours = [line for line in (result.stdout + result.stderr).splitlines()
            if "registry-" in line]
    assert result.returncode == 0 and ours == [], result.stdout + result.stderr
