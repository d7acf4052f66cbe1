"""--network against real HTTP(S) servers on loopback: links, redirects, images, the one-click
unsubscribe POST, the bounds, the address guard, and nothing fetched without the flag."""

from __future__ import annotations

import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest

from newsletter.lint import load_input
from newsletter.network import NetworkOptions, Request, fetch_all, network_findings, targets_of

from http_server import Site, png, serving
from lint_helpers import page
from smtp_server import make_certificate

LOOPBACK = NetworkOptions(allow_private=True)


def _site() -> Site:
    return Site(routes={
        "/ok": (200, {"Content-Type": "text/html"}, b"<p>ok</p>"),
        "/missing": (404, {}, b"gone"),
        "/broken": (500, {}, b"oops"),
        "/hop1": (302, {"Location": "/hop2", "Set-Cookie": "session=abc"}, b""),
        "/hop2": (301, {"Location": "/ok"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/img/logo.png": (200, {"Content-Type": "image/png"}, png(120, 40)),
        "/img/banner.png": (200, {"Content-Type": "image/png"}, png(1800, 300)),
        "/img/small.png": (200, {"Content-Type": "image/png"}, png(60, 20)),
        "/img/heavy.bin": (200, {"Content-Type": "image/png"}, png(4, 4) + b"\0" * 900_000),
    })


def _html(body: str) -> str:
    """A small message whose only URLs are the test's."""
    return f"<!DOCTYPE html>\n<html lang='fr'>\n<body style='background:#fff'>\n{body}\n</body>\n</html>\n"


def _page(tmp_path, body: str):
    """An HTML file as sent, on disk, loaded as the linter loads it (one line per tag here)."""
    path = tmp_path / "message.html"
    path.write_text(_html(body.replace("> <", ">\n<")), encoding="utf-8")
    return load_input(path)


def _message(tmp_path, body: str, headers: dict[str, str] | None = None):
    """An .eml on disk (a real file the linter reads), with this HTML body."""
    message = EmailMessage()
    message["From"] = "Boutique <bonjour@boutique.example>"
    message["To"] = "client@example.com"
    message["Subject"] = "Nouveautés"
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="boutique.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content("Nouveautés de la semaine.")
    message.add_alternative(_html(body), subtype="html")
    path = tmp_path / "message.eml"
    path.write_bytes(bytes(message))
    return load_input(path)


def _rules(findings) -> list[str]:
    return sorted(f.rule for f in findings)


def test_broken_links_redirect_chains_and_errors_are_reported(tmp_path):
    site = _site()
    with serving(site) as base:
        item = _page(tmp_path, f'<a href="{base}/ok">a</a> <a href="{base}/missing">b</a> <a href="{base}/broken">c</a>'
                                  f' <a href="{base}/hop1">d</a> <a href="{base}/loop">e</a>')
        findings = network_findings(item, LOOPBACK)
    by_rule = {(f.rule, f.message.split(" ")[0]) for f in findings}
    assert ("NET001", f"{base}/missing") in by_rule and ("NET001", f"{base}/broken") in by_rule
    [chain] = [f for f in findings if f.rule == "NET003"]
    assert chain.message == f"{base}/hop1 redirects 2 times to {base}/ok"
    assert not any(f.rule == "NET004" for f in findings)  # http to http: no downgrade
    [loop] = [f for f in findings if f.rule == "NET002"]
    assert "more than 10 redirects" in loop.message
    assert all(f.location.line for f in findings)  # each on the line of its <a>
    # The cookie the redirect set was never sent back.
    assert not any("cookie" in seen.headers for seen in site.seen)


def test_each_url_is_fetched_once_even_when_linked_many_times(tmp_path):
    site = _site()
    with serving(site) as base:
        links = " ".join(f'<a href="{base}/ok">lien {n}</a>' for n in range(5))
        item = _page(tmp_path, links + f' <img src="{base}/ok" alt="" width="10">')
        assert network_findings(item, LOOPBACK) == []
    assert [s.path for s in site.seen] == ["/ok"]


def test_images_real_size_weight_and_total(tmp_path):
    site = _site()
    with serving(site) as base:
        item = _page(tmp_path, f'<img src="{base}/img/logo.png" alt="" width="120" height="40">'
                                  f'<img src="{base}/img/banner.png" alt="" width="300">'
                                  f'<img src="{base}/img/small.png" alt="" width="120">'
                                  f'<img src="{base}/img/heavy.bin" alt="" width="4">')
        findings = network_findings(item, LOOPBACK)
    sizes = sorted(f.message for f in findings if f.rule == "NET006")
    assert len(sizes) == 2
    assert "banner.png is 1800x300 px" in sizes[0] and "6.0 times the width shown" in sizes[0]
    assert "small.png is 60x20 px" in sizes[1] and "stretched" in sizes[1]
    [total] = [f for f in findings if f.rule == "NET007"]
    assert "over 800 KB" in total.message


def test_the_one_click_unsubscribe_is_posted_as_rfc_8058_says_without_cookies(tmp_path, monkeypatch):
    ca, cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))

    def unsubscribe(method, headers, body):
        ok = (method == "POST" and body == b"List-Unsubscribe=One-Click" and "Cookie" not in headers
              and "Authorization" not in headers
              and headers.get("Content-Type") == "application/x-www-form-urlencoded")
        return (200, {}, b"done") if ok else (400, {}, b"bad one-click request")

    site = Site(routes={"/unsub/42": (0, {}, unsubscribe), "/refuse": (405, {}, b"GET only")})
    with serving(site, tls=(cert, key)) as base:
        good = _message(tmp_path, "", {"List-Unsubscribe": f"<{base}/unsub/42>, <mailto:u@boutique.example>",
                                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
        assert network_findings(good, LOOPBACK) == []
        bad = _message(tmp_path, "", {"List-Unsubscribe": f"<{base}/refuse>",
                                      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
        [finding] = network_findings(bad, LOOPBACK)
    assert finding.rule == "NET005" and "answers 405, not 2xx" in finding.message
    assert [(s.method, s.path) for s in site.seen] == [("POST", "/unsub/42"), ("POST", "/refuse")]


def test_a_redirect_from_https_to_http_is_reported(tmp_path, monkeypatch):
    ca, cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    plain = _site()
    with serving(plain) as http_base:
        secure = Site(routes={"/promo": (301, {"Location": f"{http_base}/ok"}, b"")})
        with serving(secure, tls=(cert, key)) as https_base:
            item = _page(tmp_path, f'<a href="{https_base}/promo">Promo</a>')
            findings = network_findings(item, LOOPBACK)
    assert _rules(findings) == ["NET003", "NET004"]
    assert f"redirects to {http_base}/ok" in [f for f in findings if f.rule == "NET004"][0].message


def test_an_invalid_certificate_is_an_unreachable_link(tmp_path):
    _, cert, key = make_certificate(tmp_path)  # signed by a CA nobody trusts
    with serving(_site(), tls=(cert, key)) as base:
        [finding] = network_findings(_page(tmp_path, f'<a href="{base}/ok">a</a>'), LOOPBACK)
    assert finding.rule == "NET002" and "certificate" in finding.message


def test_loopback_and_private_addresses_are_refused_by_default(tmp_path):
    site = _site()
    with serving(site) as base:
        item = _page(tmp_path, f'<a href="{base}/ok">a</a> <a href="http://10.1.2.3/admin">b</a>'
                                  ' <a href="http://169.254.169.254/latest/meta-data/">c</a>')
        findings = network_findings(item, NetworkOptions())
    assert _rules(findings) == ["NET008"] * 3
    assert site.seen == []


def test_a_public_url_redirecting_to_a_private_address_is_refused_at_the_redirect(tmp_path, monkeypatch):
    """The check is made on every hop: here the first hop is allowed by pretending loopback is
    public for the first lookup only, the redirect's is not."""
    import newsletter.network.fetch as fetch
    site = Site(routes={"/go": (302, {"Location": "http://127.0.0.1:9/internal"}, b"")})
    real = fetch._checked_address
    calls = []

    def first_allowed(host, port, allow_private):
        calls.append(port)
        return real(host, port, allow_private or len(calls) == 1)

    monkeypatch.setattr(fetch, "_checked_address", first_allowed)
    with serving(site) as base:
        [finding] = network_findings(_page(tmp_path, f'<a href="{base}/go">a</a>'), NetworkOptions())
    assert finding.rule == "NET008" and "127.0.0.1" in finding.message
    assert [s.path for s in site.seen] == ["/go"]


def test_per_host_limit_timeout_and_budget(tmp_path):
    site = Site(routes={f"/p{n}": (200, {}, b"ok") for n in range(6)} | {"/slow": (200, {}, b"late")},
                slow={**{f"/p{n}": 0.3 for n in range(6)}, "/slow": 3.0})
    with serving(site) as base:
        outcomes = fetch_all([Request(f"{base}/p{n}") for n in range(6)], NetworkOptions(allow_private=True))
        assert all(o.status == 200 for o in outcomes.values())
        assert site.most_in_flight == 2  # max_per_host
        started = time.monotonic()
        [late] = fetch_all([Request(f"{base}/slow")], NetworkOptions(allow_private=True, request_timeout=0.5)).values()
        assert late.error == "no answer in time" and time.monotonic() - started < 2.5
        outcomes = fetch_all([Request(f"{base}/slow"), Request(f"{base}/p0")],
                             NetworkOptions(allow_private=True, total_budget=0.2, max_concurrency=1))
    assert any("budget" in (o.error or "") for o in outcomes.values())


def test_urls_past_the_bound_are_reported_not_fetched(tmp_path):
    site = _site()
    with serving(site) as base:
        item = _page(tmp_path, " ".join(f'<a href="{base}/ok?n={n}">{n}</a>' for n in range(5)))
        [finding] = network_findings(item, NetworkOptions(allow_private=True, max_urls=2))
    assert finding.rule == "NET002" and finding.message == "3 URLs past the first 2 were not fetched"
    assert len(site.seen) == 2


def test_a_large_body_is_read_up_to_the_cap_only(tmp_path):
    site = Site(routes={"/big": (200, {}, b"x" * 3_000_000)})
    with serving(site) as base:
        [big] = fetch_all([Request(f"{base}/big", read_body=True)],
                          NetworkOptions(allow_private=True, max_response_bytes=100_000)).values()
    assert big.truncated and len(big.body) == 100_000


# -- the commands -----------------------------------------------------------------------------

def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsletter", *args], capture_output=True, text=True, timeout=120)


def test_nothing_is_fetched_without_the_flag(tmp_path):
    site = _site()
    with serving(site) as base:
        html = tmp_path / "message.html"
        html.write_text(_html(f'<a href="{base}/missing">a</a><img src="{base}/img/logo.png" alt="" width="120">'),
                        encoding="utf-8")
        _run("lint", str(html))
        _run("check", str(html), "--offline")
        assert site.seen == []
        result = _run("lint", str(html), "--network", "--allow-private-network", "--select", "NET")
        assert result.returncode == 1, result.stderr
        assert "NET001" in result.stdout and f"{base}/missing answers 404" in result.stdout
        checked = _run("check", str(html), "--offline", "--network", "--allow-private-network")
        assert "NET001" in checked.stdout, checked.stdout + checked.stderr
    assert {s.path for s in site.seen} == {"/missing", "/img/logo.png"}


def test_allow_private_network_alone_is_a_usage_error(tmp_path):
    html = tmp_path / "message.html"
    html.write_text(page(), encoding="utf-8")
    result = _run("lint", str(html), "--allow-private-network")
    assert result.returncode == 2 and "--allow-private-network goes with --network" in result.stderr
    assert "Traceback" not in result.stderr


def test_lints_stand_in_unsubscribe_url_is_neither_fetched_nor_posted(tmp_path):
    """A template linted without a configured unsubscribe URL gets lint's stand-in: not the
    shop's page, so --network leaves it alone."""
    template = tmp_path / "promotional" / "sale.html"
    template.parent.mkdir()
    template.write_text("{% block subject %}Soldes{% endblock %}<html><body style='background:#fff'>"
                        "<a href='{{ unsubscribe_url }}'>Se désinscrire</a></body></html>", encoding="utf-8")
    template.with_suffix(".json").write_text("{}", encoding="utf-8")  # rendered as sent, with lint's stand-ins
    item = load_input(template)
    assert "https://example.com/unsubscribe" in item.html and item.message["List-Unsubscribe-Post"]
    targets = targets_of(item)
    assert targets.links == () and targets.unsubscribe is None
