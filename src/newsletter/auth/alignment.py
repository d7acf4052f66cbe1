"""DMARC identifier alignment (RFC 7489 3.1): does an authenticated domain match the From domain?"""

from __future__ import annotations

from dataclasses import dataclass

from .dmarc import organizational_domain
from .resolver import Resolver


@dataclass(frozen=True)
class Alignment:
    from_domain: str
    dkim_domain: str | None  # the first passing d= that aligns, else the first passing d=
    spf_domain: str | None  # MAIL FROM domain (SPF passing or not evaluated)
    dkim_aligned: bool
    spf_aligned: bool

    @property
    def aligned(self) -> bool:
        return self.dkim_aligned or self.spf_aligned


def domains_align(authenticated: str, from_domain: str, mode: str, resolver: Resolver) -> bool:
    """Strict: the same name. Relaxed: the same organizational domain (DMARCbis tree walk)."""
    a, b = authenticated.rstrip(".").lower(), from_domain.rstrip(".").lower()
    if a == b:
        return True
    if mode == "s":
        return False
    return organizational_domain(a, resolver) == organizational_domain(b, resolver)


def check_alignment(from_domain: str, dkim_domains: tuple[str, ...], spf_domain: str | None,
                    resolver: Resolver, *, adkim: str = "r", aspf: str = "r") -> Alignment:
    """`dkim_domains` are the d= of signatures that verified; `spf_domain` one that passed SPF."""
    aligned_dkim = next((d for d in dkim_domains
                         if domains_align(d, from_domain, adkim, resolver)), None)
    spf_ok = spf_domain is not None and domains_align(spf_domain, from_domain, aspf, resolver)
    return Alignment(from_domain, aligned_dkim or (dkim_domains[0] if dkim_domains else None),
                     spf_domain, aligned_dkim is not None, spf_ok)
