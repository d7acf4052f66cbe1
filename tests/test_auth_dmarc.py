"""DMARC tags, the DMARCbis tree walk, report authorisation and identifier alignment."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from newsletter.auth import (MemoryResolver, check_alignment, discover_dmarc, domains_align,
                             parse_dmarc)
from newsletter.auth.dmarc import dmarc_findings, walk_targets


def txt(*records: str) -> dict[str, list[str]]:
    return {"TXT": [f'"{r}"' for r in records]}


def rules(findings) -> list[str]:
    return sorted(f.rule for f in findings)


def test_parse_every_tag():
    record, findings = parse_dmarc("v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; "
                                   "aspf=r; rua=mailto:a@x.example,mailto:b@y.example!10m; "
                                   "ruf=mailto:f@x.example; fo=1:d; t=y; psd=n")
    assert findings == ()
    assert (record.policy, record.subdomain_policy, record.nonexistent_policy) == \
        ("reject", "quarantine", "reject")
    assert (record.adkim, record.aspf, record.fo, record.testing, record.psd) == \
        ("s", "r", "1:d", True, "n")
    assert record.rua == ("mailto:a@x.example", "mailto:b@y.example!10m")


@pytest.mark.parametrize(("text", "expected"), [
    ("v=DMARC1", ["DMARC003"]),  # no p=
    ("p=reject; v=DMARC1", ["DMARC003"]),  # v not first
    ("v=DMARC1; p=block", ["DMARC003"]),
    ("v=DMARC1; p=none; rua=dmarc@shop.example", ["DMARC003"]),  # not a mailto: URI
    ("v=DMARC1; p=none; pct=50; ri=3600", ["DMARC009", "DMARC009"]),
    ("v=DMARC1; p=none; pct=150", ["DMARC003", "DMARC009"]),
    ("v=DMARC1; p=none; polcy=reject", ["DMARC005"]),
    ("v=DMARC1; p=none; p=reject", ["DMARC003"]),
    ("v=DMARC1; p=none; fo=2", ["DMARC003"]),
])
def test_parse_problems_are_findings(text, expected):
    assert rules(parse_dmarc(text)[1]) == expected


def test_sp_defaults_to_p_and_np_to_sp():
    record, _ = parse_dmarc("v=DMARC1; p=quarantine; sp=none")
    assert (record.subdomain_policy, record.nonexistent_policy) == ("none", "none")


def test_walk_targets_jump_to_four_labels():
    assert walk_targets("a.b.c.d.e.f.example") == ["a.b.c.d.e.f.example", "d.e.f.example",
                                                   "e.f.example", "f.example", "example"]
    assert walk_targets("news.shop.fr") == ["news.shop.fr", "shop.fr", "fr"]


ZONE = {
    "_dmarc.shop.fr": txt("v=DMARC1; p=quarantine; sp=reject; rua=mailto:d@shop.fr,"
                          "mailto:x@reports.example,mailto:y@other.example"),
    "shop.fr._report._dmarc.reports.example": txt("v=DMARC1"),
    "_dmarc.fr": txt("v=DMARC1; p=none; psd=y"),
    "_dmarc.gov.example": txt("v=DMARC1; p=reject; psd=y"),
    "_dmarc.twice.example": txt("v=DMARC1; p=none", "v=DMARC1; p=reject"),
    "_dmarc.esp-mail.example": txt("v=DMARC1; p=none"),
}


def test_record_at_the_domain():
    found = discover_dmarc("shop.fr", MemoryResolver(ZONE))
    assert (found.policy_domain, found.org_domain, found.applied_policy) == \
        ("shop.fr", "shop.fr", "quarantine")


def test_subdomain_inherits_sp_and_psd_sets_the_org_domain():
    found = discover_dmarc("news.mail.shop.fr", MemoryResolver(ZONE))
    assert found.policy_domain == "shop.fr" and found.applied_policy == "reject"
    assert found.org_domain == "shop.fr"  # one label below the psd=y record of fr
    assert "DMARC014" in rules(dmarc_findings(found, MemoryResolver(ZONE)))


def test_psd_record_applies_to_a_domain_without_its_own():
    found = discover_dmarc("city.gov.example", MemoryResolver(ZONE))
    assert found.policy_domain == "gov.example" and found.org_domain == "city.gov.example"


def test_missing_and_multiple_records():
    assert rules(discover_dmarc("nothing.example", MemoryResolver(ZONE)).findings) == ["DMARC001"]
    twice = discover_dmarc("twice.example", MemoryResolver(ZONE))
    assert twice.record is None and rules(twice.findings) == ["DMARC002"]


def test_temperror_is_not_reported_as_missing():
    found = discover_dmarc("down.example", MemoryResolver({}, ["_dmarc.down.example"]))
    assert rules(found.findings) == ["DMARC013"]


def test_policy_advice_and_external_destinations():
    resolver = MemoryResolver(ZONE)
    findings = dmarc_findings(discover_dmarc("shop.fr", resolver), resolver)
    external = [f for f in findings if f.rule == "DMARC008"]
    assert len(external) == 1 and "other.example" in external[0].message
    none = dmarc_findings(discover_dmarc("esp-mail.example", resolver), resolver)
    assert rules(none) == ["DMARC004", "DMARC007"]


def test_alignment_relaxed_and_strict():
    resolver = MemoryResolver(ZONE)
    assert domains_align("bounce.shop.fr", "shop.fr", "r", resolver)
    assert not domains_align("bounce.shop.fr", "shop.fr", "s", resolver)
    assert not domains_align("esp-mail.example", "shop.fr", "r", resolver)
    result = check_alignment("news.shop.fr", ("esp-mail.example", "shop.fr"), "bounce.esp.example",
                             resolver)
    assert result.dkim_aligned and result.dkim_domain == "shop.fr" and not result.spf_aligned
    strict = check_alignment("news.shop.fr", ("shop.fr",), None, resolver, adkim="s")
    assert not strict.aligned


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["v=DMARC1", "p=", "sp=", "reject", "none", ";", " ", "=",
                                 "rua=mailto:", "a@b.example", ",", "pct=", "101", "x", "t=y"]),
                max_size=14).map("".join))
def test_fuzz_parser_never_raises(text):
    record, findings = parse_dmarc(text)
    assert record.policy in ("none", "quarantine", "reject")
