"""The command line starts quickly and imports on Windows.

Commands are imported when run (`cli.app.COMMANDS`), so `--version` and `--help` import none of
them, and nothing at import time needs a POSIX-only module (`fcntl`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

# Makes `import fcntl` fail as it does on Windows, before anything else is imported.
NO_FCNTL = textwrap.dedent("""
    import sys
    class NoFcntl:
        def find_spec(self, name, path=None, target=None):
            if name == "fcntl":
                raise ImportError("No module named 'fcntl' (as on Windows)")
    sys.meta_path.insert(0, NoFcntl())
    sys.modules.pop("fcntl", None)
""")


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", NO_FCNTL + code], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_the_hook_does_hide_fcntl():
    done = _python("import fcntl")
    assert done.returncode != 0 and "as on Windows" in done.stderr


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["preview", "--help"], ["lint", "--help"],
                                  ["check", "--help"], ["render", "--help"], ["send", "--help"]])
def test_the_cli_works_without_fcntl(argv):
    done = _python(f"import newsletter.cli, sys; sys.argv = ['newsletter', *{argv!r}]; newsletter.cli.main()")
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout or "version" in done.stdout


def test_version_and_help_import_no_command():
    code = ("import sys, newsletter.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('newsletter.') and m.count('.') == 1))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    loaded = eval(done.stdout.strip().splitlines()[-1])
    assert not {"newsletter.render", "newsletter.lint", "newsletter.placement", "newsletter.auth",
                "newsletter.preview", "newsletter.reports", "newsletter.send"} & set(loaded), loaded


def test_every_lazy_command_is_found_under_its_name():
    from click.testing import CliRunner

    from newsletter.cli import main
    from newsletter.cli.app import COMMANDS
    for name in COMMANDS:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and f"{name} [OPTIONS]" in result.output, (name, result.output)


def test_every_command_a_module_registers_is_listed():
    """A command missing from COMMANDS would be unreachable: import every module and compare."""
    import importlib
    import pkgutil

    import newsletter.cli as cli
    from newsletter.cli import main
    from newsletter.cli.app import COMMANDS
    for module in pkgutil.iter_modules(cli.__path__):
        importlib.import_module(f"newsletter.cli.{module.name}")
    assert set(main.commands) == set(COMMANDS)
    assert {name: main.commands[name].callback.__module__.rsplit(".", 1)[1] for name in COMMANDS} == \
        {name: module for name, (module, _) in COMMANDS.items()}
