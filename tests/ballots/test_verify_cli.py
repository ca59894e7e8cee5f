"""``ecabinet votes verify RECORD.json``: passes a good record, fails a tampered one saying
where, and runs without the server's code."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from ecabinet.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path, record, name="record.json"):
    path = tmp_path / name
    path.write_text(json.dumps(record), encoding="utf-8")
    return str(path)


def test_verify_passes_a_good_record(tmp_path, good_record):
    result = CliRunner().invoke(cli, ["votes", "verify", _write(tmp_path, good_record)])
    assert result.exit_code == 0, result.output
    assert "OK: vote 42, 3 ballot(s), 2 trustee(s)" in result.output
    assert "yes: 2, no: 1, abstain: 0" in result.output


def test_verify_fails_a_tampered_record_and_says_where(tmp_path, good_record):
    record = copy.deepcopy(good_record)
    record["tally"] = [3, 0, 0]
    record["ballots"][1]["proofs"][0]["s0"] = record["ballots"][1]["proofs"][0]["s1"]
    result = CliRunner().invoke(cli, ["votes", "verify", _write(tmp_path, record)])
    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "ballot 2" in result.output and "option 0" in result.output


def test_verify_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "record.json"
    path.write_bytes(b"\x89PNG")
    result = CliRunner().invoke(cli, ["votes", "verify", str(path)])
    assert result.exit_code == 1
    assert "is not JSON" in result.output


def test_the_verifier_imports_nothing_of_the_server(tmp_path, good_record):
    """The ballots folder alone as a package, in a fresh interpreter: no other ecabinet module
    and no Flask is loaded."""
    path = _write(tmp_path, good_record)
    code = (
        "import sys\n"
        "from ballots.cli import votes_cli\n"
        f"votes_cli(['verify', {path!r}], standalone_mode=False)\n"
        "loaded = sorted(m for m in sys.modules\n"
        "                if m.startswith(('ecabinet', 'flask', 'sqlalchemy')))\n"
        "print('LOADED', loaded)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "ecabinet",
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "OK: vote 42" in out
    loaded = eval(out.split("LOADED ", 1)[1])  # noqa: S307 (our own subprocess' list)
    assert loaded == [], loaded
