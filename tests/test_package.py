"""The package as a user gets it: the wheel and sdist built and checked (`twine check`), then the
wheel installed in a fresh virtualenv outside the repository, where the README's walk-through
runs step by step: init, render the starter sale, lint, check, render it for the example list,
and send it to a loopback SMTP server (TLS, AUTH). Needs the package index for the dependencies
(CI has it); about a minute."""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

from conftest import ROOT
from newsletter.version import __version__
from smtp_server import PASSWORD, USER, LoopbackSMTP


def run(*args: object, cwd: Path, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert not check or done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def test_the_wheel_installs_and_the_walkthrough_runs_outside_the_repository(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT, cwd=tmp_path)
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist, cwd=tmp_path)

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    project["version"] = __version__  # hatch reads it from src/newsletter/version.py
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"newsletter_toolkit-{project['version']}.dist-info"
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert (metadata["Name"], metadata["Version"]) == ("newsletter-toolkit", project["version"])
    assert metadata["Requires-Python"] == ">=3.11" and metadata["Description-Content-Type"] == "text/markdown"
    runtime = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert sorted(runtime) == sorted(project["dependencies"])
    assert "newsletter = newsletter.cli:main" in entry_points
    for name in ("newsletter/checks/smtp.toml", "newsletter/checks/input-limits.toml", "newsletter/checks/rules/lint.toml",
                 "newsletter/starter/templates/base.html", "newsletter/starter/templates/promotional/flash-sale.json",
                 "newsletter/starter/examples/boutique/recipients.csv",
                 "newsletter/starter/examples/ci/lint-templates.yml", "newsletter/preview/static/index.html"):
        assert name in names, name
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    assert not any("/.venv/" in m or "__pycache__" in m for m in members)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    run(venv / "bin/pip", "install", "--quiet", wheel, cwd=tmp_path, env=env)
    place = run(venv / "bin/python", "-c", "import newsletter; print(newsletter.__file__, newsletter.__version__)",
                cwd=tmp_path, env=env).stdout.split()
    assert Path(place[0]).is_relative_to(venv) and place[1] == project["version"]  # the wheel, not the source tree
    checks = run(venv / "bin/python", "-c", "from newsletter.checkfiles import checks_dir; print(checks_dir())",
                 cwd=tmp_path, env=env).stdout.strip()
    assert Path(checks).is_relative_to(venv) and Path(checks, "rules", "auth.toml").is_file()  # the wheel's copy

    work = tmp_path / "empty"
    work.mkdir()
    run("newsletter", "init", "shop", cwd=work, env=env)
    shop = work / "shop"
    sale = "templates/promotional/flash-sale"
    run("newsletter", "render", f"{sale}.html", "--data", f"{sale}.json", "-o", "out/sale.eml", cwd=shop, env=env)
    run("newsletter", "lint", "templates", cwd=shop, env=env)
    check = run("newsletter", "check", "out/sale.eml", "--offline", cwd=shop, env=env)
    assert "tab: Promotions" in check.stdout
    bulk = run("newsletter", "render", f"{sale}.html", "--data", f"{sale}.json", "--recipients", "recipients.csv",
               "--out-dir", "out/campaign", cwd=shop, env=env)
    assert "55 rows read, 55 rendered, 0 rejected" in bulk.stderr

    with LoopbackSMTP(tmp_path) as server:
        smtp = ["--smtp", server.address, "--cafile", server.cafile, "--user", USER]
        env["NEWSLETTER_SMTP_PASSWORD"] = PASSWORD
        test = run("newsletter", "send", "out/sale.eml", "--to", "moi@example.com", *smtp, cwd=shop, env=env)
        sent = run("newsletter", "send", "out/campaign", *smtp, cwd=shop, env=env)
    assert "out/sale.eml: sent through" in test.stdout
    assert "55 messages: 55 sent, 0 deferred, 0 bounced, 0 uncertain" in sent.stdout
    assert len(server.log.received) == 56


def test_a_source_tree_reads_the_repository_s_checks():
    """Editable installs and source trees read `checks/` at the top of the repository (one copy)."""
    from newsletter.checkfiles import checks_dir
    from newsletter.findings import catalogue
    assert Path(str(checks_dir())) == ROOT / "checks"
    assert not (ROOT / "src" / "newsletter" / "checks").exists()
    assert "C010" in catalogue()
