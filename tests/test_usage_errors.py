"""A mistyped command line is one line on stderr that names the fix, and exit status 2, whatever
click found wrong: an option, a value, a missing file, a command."""

from __future__ import annotations

import pytest

from helpers import assert_one_line_error, run_cli


@pytest.mark.parametrize("args, fragments", [
    (["lint", "--bogus"], ["No such option '--bogus'", "see 'newsletter lint --help'"]),
    (["clients", "--format", "xml"], ["'xml' is not one of 'text', 'json'", "see 'newsletter clients --help'"]),
    (["send", "nope.eml", "--to", "a@b.example"], ["'nope.eml' does not exist", "see 'newsletter send --help'"]),
    (["lnt", "x"], ["No such command 'lnt'", "see 'newsletter --help'"]),
    (["--bogus"], ["No such option '--bogus'", "see 'newsletter --help'"]),
    (["rules", "ZZZ"], ["no rule id starts with ZZZ", "newsletter rules lists them all"]),
])
def test_a_mistyped_command_line_is_one_line(args, fragments):
    assert_one_line_error(run_cli(*args), *fragments)


def test_newsletter_alone_still_shows_the_help():
    run = run_cli()  # click writes it to stderr, exit status 2, as for any incomplete command line
    assert "Commands:" in run.stderr and "newsletter: error" not in run.stderr
