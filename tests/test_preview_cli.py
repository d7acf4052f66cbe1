"""`newsletter preview` as a user runs it: a real process, stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import signal
import sys
import urllib.request

import pytest

from helpers import assert_one_line_error, run_cli
from preview_helpers import FLASH_SALE, SALE, start_preview


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serves_then_stops_cleanly(signum):
    process, url = start_preview(str(FLASH_SALE), "--data", str(SALE), "--port", "0", "--no-open")
    try:
        with urllib.request.urlopen(url + "state.json", timeout=20) as response:
            state = json.load(response)
        assert state["inbox"]["subject"].startswith("Camille, -30\u00a0%") and state["error"] is None
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode in (0, 130), stderr
    assert "Traceback" not in stderr and "stopped" in stderr
    assert stdout == ""


def test_render_error_does_not_stop_the_server(tmp_path):
    template = tmp_path / "broken.html"
    template.write_text("{% block subject %}Hi {{ name }{% endblock %}")
    process, url = start_preview(str(template), "--port", "0", "--no-open")
    try:
        with urllib.request.urlopen(url + "state.json", timeout=20) as response:
            state = json.load(response)
        assert "broken.html:1" in state["error"]
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "Traceback" not in stderr


def test_port_in_use_is_one_line(tmp_path):
    process, url = start_preview(str(FLASH_SALE), "--data", str(SALE), "--port", "0", "--no-open")
    try:
        port = url.rsplit(":", 1)[1].strip("/")
        assert_one_line_error(run_cli("preview", FLASH_SALE, "--data", SALE, "--port", port, "--no-open"),
                              f"cannot listen on 127.0.0.1:{port}", "--port")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)


def test_missing_template_or_data_is_one_line(tmp_path):
    assert_one_line_error(run_cli("preview", tmp_path / "nope.html", "--no-open"), "nope.html", "file not found")
    assert_one_line_error(run_cli("preview", FLASH_SALE, "--data", tmp_path / "nope.json", "--no-open"),
                          "nope.json", "file not found")


def test_width_without_screenshot_is_a_usage_error():
    result = run_cli("preview", FLASH_SALE, "--width", "400", "--no-open")
    assert result.exit_code == 2 and "--screenshot" in result.stderr


def test_no_browser_for_the_screenshot_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("NEWSLETTER_BROWSER", raising=False)
    assert_one_line_error(run_cli("preview", FLASH_SALE, "--data", SALE, "--screenshot", tmp_path / "x.png"),
                          "no Chromium found", "--browser", "NEWSLETTER_BROWSER")
    assert not (tmp_path / "x.png").exists()


def test_screenshot_render_error_is_one_line(tmp_path):
    template = tmp_path / "broken.html"
    template.write_text("{% block subject %}Hi {{ name }}{% endblock %}")
    assert_one_line_error(run_cli("preview", template, "--kind", "transactional", "--screenshot", tmp_path / "x.png",
                                  "--browser", sys.executable),
                          "broken.html", "name")


def test_there_is_no_way_to_listen_beyond_loopback():
    result = run_cli("preview", FLASH_SALE, "--host", "0.0.0.0", "--no-open")
    assert result.exit_code == 2 and "No such option '--host'" in result.stderr
