"""Whatever a domain publishes, the report is findings, never an exception."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from newsletter.auth import CheckOptions, MemoryResolver, check_domain

PIECES = st.sampled_from(["v=spf1", "v=DMARC1", "v=DKIM1", "v=BIMI1", "v=STSv1", "v=TLSRPTv1",
                          "p=", "k=rsa", "k=ed25519", "include:", "redirect=", "a", "mx", "-all",
                          "rua=", "mailto:x@y.example", "https://", "l=", "id=", "sp=", "t=y",
                          "%{d}", ";", " ", "=", ":", ",", "é", "€", "AAAA", "\\"])
RECORD = st.lists(PIECES, max_size=10).map("".join)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@settings(max_examples=120, deadline=None)
@given(spf=RECORD, dmarc=RECORD, dkim=RECORD, bimi=RECORD, sts=RECORD, rpt=RECORD)
def test_check_domain_never_raises(spf, dmarc, dkim, bimi, sts, rpt):
    zone = {"f.example": {"TXT": [quoted(spf)], "MX": ["0 ."]},
            "_dmarc.f.example": {"TXT": [quoted(dmarc)]},
            "s1._domainkey.f.example": {"TXT": [quoted(dkim)]},
            "default._bimi.f.example": {"TXT": [quoted(bimi)]},
            "_mta-sts.f.example": {"TXT": [quoted(sts)]},
            "_smtp._tls.f.example": {"TXT": [quoted(rpt)]}}
    report = check_domain("f.example", MemoryResolver(zone),
                          CheckOptions(selectors=("s1",), ip="192.0.2.1"))
    assert report.to_json()["domain"] == "f.example"
    assert all(f.rule[:3] in ("SPF", "DKI", "DMA", "AUT") for f in report.findings)
