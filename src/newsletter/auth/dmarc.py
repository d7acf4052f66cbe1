"""DMARC: record parsing (RFC 7489 and DMARCbis, RFC 9989) and policy discovery by the DNS tree walk.

The tree walk replaces the Public Suffix List: from the author domain up to the TLD (jumping to
four labels first for long names), the first record found is the policy; the organizational
domain is where `psd=n` says so, one label below a `psd=y` record, or else the shortest name
that has a record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..findings import Finding, Location, finding
from .resolver import Resolver, Status, Txt

POLICIES = ("none", "quarantine", "reject")
_KNOWN = {"v", "p", "sp", "np", "adkim", "aspf", "rua", "ruf", "fo", "t", "psd", "pct", "rf", "ri"}
_LEGACY = {"pct", "rf", "ri"}


@dataclass(frozen=True)
class DmarcRecord:
    text: str
    policy: str  # none, quarantine, reject ("none" when p= is missing or invalid)
    subdomain_policy: str  # sp=, defaulting to p=
    nonexistent_policy: str  # np=, defaulting to sp=
    adkim: str  # r or s
    aspf: str
    rua: tuple[str, ...]
    ruf: tuple[str, ...]
    fo: str
    testing: bool  # t=y
    psd: str  # y, n or u
    pct: int


@dataclass(frozen=True)
class DmarcDiscovery:
    domain: str  # the author (From) domain
    record: DmarcRecord | None
    policy_domain: str | None  # where the record applying to `domain` was found
    org_domain: str
    findings: tuple[Finding, ...]

    @property
    def applied_policy(self) -> str | None:
        """The policy a receiver applies to mail from `domain` (p, or sp for a subdomain)."""
        if self.record is None:
            return None
        if self.policy_domain == self.domain:
            return self.record.policy
        return self.record.subdomain_policy


def is_dmarc_record(text: str) -> bool:
    return re.match(r"\s*v\s*=\s*DMARC1\s*(;|$)", text) is not None


def parse_dmarc(text: str, where: Location | None = None) -> tuple[DmarcRecord, tuple[Finding, ...]]:
    """Parse every tag; problems become findings and the record keeps safe defaults."""
    findings: list[Finding] = []
    tags: dict[str, str] = {}

    def bad(message: str) -> None:
        findings.append(finding("DMARC003", message, where))

    parts = [p.strip() for p in text.split(";")]
    for index, part in enumerate(parts):
        if not part:
            continue
        name, eq, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not eq or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            bad(f"'{part}' is not a tag=value pair")
            continue
        if index == 0 and (name != "v" or value != "DMARC1"):
            bad("the record must start with 'v=DMARC1'")
        if name in tags:
            bad(f"tag {name}= appears twice")
            continue
        if name not in _KNOWN:
            findings.append(finding("DMARC005", f"unknown tag {name}={value}", where))
            continue
        if name in _LEGACY:
            findings.append(finding("DMARC009", f"{name}={value}", where))
        tags[name] = value

    def choice(name: str, allowed: tuple[str, ...], default: str) -> str:
        value = tags.get(name)
        if value is None:
            return default
        if value.lower() not in allowed:
            bad(f"{name}={value} is not one of {', '.join(allowed)}")
            return default
        return value.lower()

    if "p" not in tags:
        bad("no p= tag (policy)")
    policy = choice("p", POLICIES, "none")
    subdomain = choice("sp", POLICIES, policy)
    nonexistent = choice("np", POLICIES, subdomain)
    adkim = choice("adkim", ("r", "s"), "r")
    aspf = choice("aspf", ("r", "s"), "r")
    testing = choice("t", ("y", "n"), "n") == "y"
    psd = choice("psd", ("y", "n", "u"), "u")
    rua = _uris(tags.get("rua"), "rua", bad)
    ruf = _uris(tags.get("ruf"), "ruf", bad)
    fo = tags.get("fo", "0")
    if not re.fullmatch(r"[01ds](:[01ds])*", fo):
        bad(f"fo={fo} must be 0, 1, d or s, separated by ':'")
    pct = 100
    if "pct" in tags:
        if tags["pct"].isdigit() and 0 <= int(tags["pct"]) <= 100:
            pct = int(tags["pct"])
        else:
            bad(f"pct={tags['pct']} must be an integer from 0 to 100")
    if "ri" in tags and not tags["ri"].isdigit():
        bad(f"ri={tags['ri']} must be a number of seconds")
    if "rf" in tags and tags["rf"].lower() != "afrf":
        bad(f"rf={tags['rf']} must be afrf")
    record = DmarcRecord(text, policy, subdomain, nonexistent, adkim, aspf, rua, ruf, fo, testing,
                         psd, pct)
    return record, tuple(findings)


def _uris(value: str | None, tag: str, bad) -> tuple[str, ...]:
    if value is None:
        return ()
    uris = tuple(u.strip() for u in value.split(",") if u.strip())
    for uri in uris:
        if not re.fullmatch(r"(?i)mailto:[^@\s!]+@[^@\s!]+\.[^@\s!]+(![0-9]+[kmgt]?)?", uri):
            bad(f"{tag}: {uri!r} is not a mailto: address")
    return uris


def walk_targets(domain: str) -> list[str]:
    """The names the DMARCbis tree walk queries, most specific first."""
    labels = domain.rstrip(".").split(".")
    targets = [domain.rstrip(".")]
    count = len(labels)
    if count >= 5:
        count = 5  # the next step jumps to four labels
    for keep in range(count - 1, 0, -1):
        targets.append(".".join(labels[-keep:]))
    return targets


def discover_dmarc(domain: str, resolver: Resolver) -> DmarcDiscovery:
    domain = domain.rstrip(".").lower()
    targets = walk_targets(domain)
    answers = resolver.query_many([(f"_dmarc.{t}", "TXT") for t in targets])
    findings: list[Finding] = []
    policy_domain: str | None = None
    record: DmarcRecord | None = None
    with_record: list[tuple[str, DmarcRecord]] = []
    org: str | None = None
    for target, answer in zip(targets, answers):
        where = Location(f"_dmarc.{target} TXT")
        if answer.status is Status.TEMPERROR:
            if target == domain:
                findings.append(finding("DMARC013", f"_dmarc.{target}: {answer.error}", where))
            continue
        texts = [r.text for r in answer.records if isinstance(r, Txt) and is_dmarc_record(r.text)]
        if len(texts) > 1:
            if policy_domain is None:
                findings.append(finding("DMARC002", f"_dmarc.{target} has {len(texts)} DMARC "
                                                    "records; receivers ignore them all", where))
            continue
        if not texts:
            continue
        parsed, problems = parse_dmarc(texts[0], where)
        if policy_domain is None:
            policy_domain, record = target, parsed
            findings.extend(problems)
        with_record.append((target, parsed))
        if parsed.psd == "n":
            org = target
            break
        if parsed.psd == "y":
            index = targets.index(target)
            org = targets[index - 1] if index > 0 else target
            break
    if org is None:
        org = with_record[-1][0] if with_record else domain
    if record is None and not any(f.rule in ("DMARC002", "DMARC013") for f in findings):
        findings.append(finding("DMARC001", f"no DMARC record at _dmarc.{domain} or above",
                                Location(f"_dmarc.{domain} TXT")))
    return DmarcDiscovery(domain, record, policy_domain, org, tuple(findings))


def organizational_domain(domain: str, resolver: Resolver) -> str:
    return discover_dmarc(domain, resolver).org_domain


def dmarc_findings(discovery: DmarcDiscovery, resolver: Resolver) -> tuple[Finding, ...]:
    """Policy advice on top of the syntax findings: p=none, reports, subdomains, inheritance."""
    record = discovery.record
    if record is None:
        return ()
    where = Location(f"_dmarc.{discovery.policy_domain} TXT")
    findings: list[Finding] = []
    if discovery.policy_domain != discovery.domain:
        findings.append(finding("DMARC014", f"{discovery.domain} uses the record of "
                                            f"{discovery.policy_domain} (policy "
                                            f"{discovery.applied_policy})", where))
    if discovery.applied_policy == "none":
        findings.append(finding("DMARC004", "p=none: meets Gmail's and Yahoo's minimum, "
                                            "but protects nothing", where))
    if record.pct < 100:
        findings.append(finding("DMARC006", f"pct={record.pct}", where))
    if record.policy != "none" and record.subdomain_policy == "none":
        findings.append(finding("DMARC010", f"p={record.policy} but sp=none", where))
    if record.testing:
        findings.append(finding("DMARC012", "t=y", where))
    if not record.rua:
        findings.append(finding("DMARC007", "no rua= tag", where))
    findings.extend(_unauthorised_destinations(discovery, resolver, where))
    return tuple(findings)


def _unauthorised_destinations(discovery: DmarcDiscovery, resolver: Resolver,
                               where: Location) -> list[Finding]:
    record = discovery.record
    assert record is not None
    org = discovery.org_domain.lower()
    external = []
    for uri in (*record.rua, *record.ruf):
        host = uri.split("@", 1)[-1].split("!", 1)[0].rstrip(".").lower()
        if host and host != org and not host.endswith("." + org) and host not in external:
            external.append(host)
    policy_domain = discovery.policy_domain
    answers = resolver.query_many([(f"{policy_domain}._report._dmarc.{h}", "TXT")
                                   for h in external])
    findings = []
    for host, answer in zip(external, answers):
        authorised = any(isinstance(r, Txt) and is_dmarc_record(r.text) for r in answer.records)
        if not authorised and answer.status is not Status.TEMPERROR:
            findings.append(finding("DMARC008", f"{host} does not publish "
                                                f"{policy_domain}._report._dmarc.{host}", where))
    return findings
