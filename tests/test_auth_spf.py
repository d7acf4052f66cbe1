"""SPF parser errors, the record lint, and fuzzing of the parser and evaluator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from newsletter.auth.resolver import MemoryResolver
from newsletter.auth.spf import SpfResult, SpfSyntaxError, check_sender, parse_record
from newsletter.auth.spf.lint import lint_spf


def txt(*records: str) -> dict[str, list[str]]:
    return {"TXT": [f'"{r}"' for r in records]}


@pytest.mark.parametrize(("record", "column", "fragment"), [
    ("v=spf1 ip4:192.0.2.1 -all moo", 27, "unknown mechanism"),
    ("v=spf1 a:mail.example.com:25", 10, "top-level label"),
    ("v=spf1 ip4:192.0.2.300", 12, "IPv4"),
    ("v=spf1 include:", 16, "empty domain"),
    ("v=spf1 a/33", 8, "prefix length"),
    ("v=spf1 exists:%{x}.example.com", 15, "macro letter"),
    ("v=spf1 redirect=a.example redirect=b.example", 27, "more than once"),
    ("v=spf1 a:111.222.33.44", 10, "ip4:"),
    ("v=spf1 ip4:192.0.2.1\x0a", 21, "control"),
])
def test_syntax_errors_say_where(record, column, fragment):
    with pytest.raises(SpfSyntaxError) as error:
        parse_record(record)
    assert error.value.offset + 1 == column
    assert fragment in str(error.value)


def test_parse_record_terms():
    record = parse_record("v=spf1 a:mail.%{d2}/24//64 -ip6:2001:db8::/32 ~all exp=why.%{d} x-y=z")
    a, ip6, all_ = record.mechanisms
    assert (a.kind, a.cidr4, a.cidr6, a.domain.source) == ("a", 24, 64, "mail.%{d2}")
    assert ip6.result == "fail" and str(ip6.network) == "2001:db8::/32"
    assert all_.result == "softfail"
    assert record.explanation.value.source == "why.%{d}"
    assert record.modifier("x-y").value.source == "z"


SHOP = {
    "shop.example": {**txt("v=spf1 include:_spf.esp.example include:_spf.crm.example "
                           "a:gone.shop.example mx ptr ?all"),
                     "SPF": ['"v=spf1 -all"'], "MX": ["10 mx.shop.example."]},
    "mx.shop.example": {"A": ["192.0.2.25"]},
    "_spf.esp.example": txt("v=spf1 include:_a.esp.example include:_b.esp.example ~all"),
    "_a.esp.example": txt("v=spf1 ip4:198.51.100.0/24 a mx -all"),
    "_b.esp.example": txt("v=spf1 exists:%{i}.rbl.esp.example redirect=_a.esp.example"),
    "_spf.crm.example": txt("not spf"),
}


def test_lint_counts_lookups_through_nested_includes_and_redirects():
    lint = lint_spf("shop.example", MemoryResolver(SHOP))
    # top: include, include, a, mx, ptr = 5; _spf.esp: 2 includes; _a: a, mx (x2 via redirect);
    # _b: exists + redirect
    assert lint.lookups == 5 + 2 + 2 + 2 + 2
    rules = sorted(f.rule for f in lint.findings)
    assert rules == ["SPF004", "SPF005", "SPF007", "SPF008", "SPF009", "SPF012"]
    # void: a:gone.shop.example; 'a' and 'mx' of _a.esp.example (no A, no MX), reached twice.
    # The include of _spf.crm.example is not void: the name has TXT data, just no SPF.
    assert lint.void_lookups == 1 + 2 * 2


def test_lint_multiple_records_too_long_and_plus_all():
    long = "v=spf1 " + " ".join(f"ip4:192.0.2.{i}" for i in range(40)) + " +all"
    resolver = MemoryResolver({"a.example": txt("v=spf1 -all", "v=spf1 ~all"),
                               "b.example": {"TXT": [" ".join(f'"{long[i:i + 200]}"'
                                                              for i in range(0, len(long), 200))]},
                               "c.example": txt("hello")})
    assert [f.rule for f in lint_spf("a.example", resolver).findings] == ["SPF002"]
    b = lint_spf("b.example", resolver)
    assert sorted(f.rule for f in b.findings) == ["SPF006", "SPF011"] and b.lookups == 0
    assert [f.rule for f in lint_spf("c.example", resolver).findings] == ["SPF001"]


def test_lint_include_loop_terminates():
    resolver = MemoryResolver({"a.example": txt("v=spf1 include:b.example -all"),
                               "b.example": txt("v=spf1 include:a.example -all")})
    lint = lint_spf("a.example", resolver)
    assert any(f.rule == "SPF004" and "loop" in f.message for f in lint.findings)


def test_lint_syntax_error_has_column():
    lint = lint_spf("a.example", MemoryResolver({"a.example": txt("v=spf1 ip4:1.2.3 -all")}))
    (error,) = lint.findings
    assert (error.rule, error.location.column) == ("SPF003", 12)


def test_check_sender_empty_mail_from_uses_helo_and_temperror_from_dns():
    resolver = MemoryResolver({"mail.example": txt("v=spf1 ip4:192.0.2.1 -all"),
                               "t.example": txt("v=spf1 include:down.example -all")},
                              temporary_failures=["down.example"])
    assert check_sender(resolver, "192.0.2.1", "", "mail.example").result is SpfResult.PASS
    assert check_sender(resolver, "192.0.2.2", "", "mail.example").result is SpfResult.FAIL
    assert check_sender(resolver, "192.0.2.1", "x@t.example").result is SpfResult.TEMPERROR


TERMS = st.sampled_from(["a", "mx", "ptr", "all", "-all", "~all", "include:", "ip4:", "ip6:",
                         "exists:", "redirect=", "exp=", "%{d}", "%{i}", "/", "//", ":", ".",
                         "example.com", "192.0.2.1", "24", "%", "{", "}", "=", " ", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(TERMS, max_size=12).map("".join), st.text(max_size=20))
def test_fuzz_parser_only_raises_syntax_errors(body, noise):
    for record in (f"v=spf1 {body}", f"v=spf1 {noise}"):
        try:
            parse_record(record)
        except SpfSyntaxError:
            pass


@settings(max_examples=150, deadline=None)
@given(st.lists(TERMS, max_size=12).map("".join))
def test_fuzz_evaluation_always_gives_a_result(body):
    resolver = MemoryResolver({"f.example": txt(f"v=spf1 {body}".replace('"', "")),
                               "example.com": txt("v=spf1 include:f.example")})
    result = check_sender(resolver, "192.0.2.1", "a@f.example", "h.example")
    assert isinstance(result.result, SpfResult)
    lint = lint_spf("f.example", resolver)
    assert lint.lookups >= 0
