"""Files we write for the user: atomic, no temporary left behind, and the mode the user's umask
gives (the umask is set in a child process, never in the test process)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT
from newsletter.files import write_atomic

ORDER = ROOT / "templates" / "transactional" / "order-confirmation.html"
ORDER_DATA = ROOT / "examples" / "boutique" / "order.json"
RECIPIENTS = ROOT / "examples" / "boutique" / "recipients.csv"
NEWSLETTER = ROOT / "templates" / "promotional" / "newsletter.html"
SALE = ROOT / "examples" / "boutique" / "sale.json"

UMASKS = pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600)], ids=["umask-022", "umask-077"])


def newsletter(*args: object, umask: int, **options) -> subprocess.CompletedProcess:
    """The command as a user runs it, under `umask`."""
    return subprocess.run([sys.executable, "-m", "newsletter", *map(str, args)], umask=umask,
                          capture_output=True, text=True, timeout=120, **options)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@UMASKS
def test_render_output_follows_the_umask(tmp_path, umask, expected):
    target = tmp_path / "order.eml"
    result = newsletter("render", ORDER, "--data", ORDER_DATA, "-o", target, umask=umask)
    assert result.returncode == 0, result.stderr
    assert mode(target) == expected and b"\r\nSubject: " in target.read_bytes()
    assert leftovers(tmp_path) == []


@UMASKS
def test_lint_report_follows_the_umask(tmp_path, umask, expected):
    target = tmp_path / "report.sarif"
    result = newsletter("lint", ORDER, "--format", "sarif", "-o", target, umask=umask)
    assert result.returncode in (0, 1), result.stderr
    assert mode(target) == expected and b'"version": "2.1.0"' in target.read_bytes()


@UMASKS
def test_bulk_files_follow_the_umask_too(tmp_path, umask, expected):
    out = tmp_path / "campaign"
    result = newsletter("render", NEWSLETTER, "--data", SALE, "--recipients", RECIPIENTS, "--out-dir", out,
                        umask=umask)
    assert result.returncode in (0, 1), result.stderr
    files = list(out.iterdir())
    assert len(files) > 50
    assert {p.name: mode(p) for p in files} == {p.name: expected for p in files}


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "order.eml"
    target.write_bytes(b"old")
    target.chmod(0o600)
    result = newsletter("render", ORDER, "--data", ORDER_DATA, "-o", target, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert mode(target) == 0o600 and target.read_bytes() != b"old"


def test_write_atomic_writes_everything(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    target = tmp_path / "big.bin"
    write_atomic(target, data)
    assert target.read_bytes() == data
    write_atomic(target, b"short")
    assert target.read_bytes() == b"short" and leftovers(tmp_path) == []


def test_a_target_name_as_long_as_allowed_still_works(tmp_path):
    target = tmp_path / ("a" * 250 + ".eml")  # 254 bytes: no room to add a suffix to the whole name
    write_atomic(target, b"x")
    assert target.read_bytes() == b"x" and leftovers(tmp_path) == []


def test_a_failed_rename_leaves_no_temporary(tmp_path):
    folder = tmp_path / "order.eml"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(folder, b"x")
    assert leftovers(tmp_path) == [] and folder.is_dir()


# A file-size limit makes the kernel refuse the write part way (EFBIG), as a full disk would.
_LIMITED = textwrap.dedent("""
    import resource, runpy, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    sys.argv = ["newsletter", *sys.argv[1:]]
    runpy.run_module("newsletter", run_name="__main__")
""")


def test_a_write_that_fails_part_way_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "order.eml"
    target.write_bytes(b"the previous message")
    result = subprocess.run([sys.executable, "-c", _LIMITED, "render", str(ORDER), "--data", str(ORDER_DATA),
                             "-o", str(target)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "cannot write output: File too large" in result.stderr and "order.eml" in result.stderr
    assert target.read_bytes() == b"the previous message"
    assert leftovers(tmp_path) == []
