"""DKIM: key records in DNS (RFC 6376 3.6.1, RFC 8301, RFC 8463) and signature verification.

Verification is dkimpy's, with its DNS calls routed through our resolver, so a message can be
verified against live DNS, a zone file or test data alike.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from dataclasses import dataclass
from functools import cache

import dkim
import dkim.crypto

from ..checkfiles import checks_dir
from ..dkimkeys import rsa_key_sizes
from ..errors import NewsletterError
from ..findings import Finding, Location, finding
from .resolver import Answer, Resolver, Status, Txt


@dataclass(frozen=True)
class DkimKey:
    selector: str
    domain: str
    record: str
    key_type: str | None  # rsa, ed25519, or what k= says
    key_bits: int | None
    revoked: bool
    testing: bool
    hashes: tuple[str, ...]  # h=, empty means any


@dataclass(frozen=True)
class DkimSignatureResult:
    domain: str
    selector: str
    algorithm: str
    result: str  # pass, fail, permerror, temperror
    reason: str
    key_bits: int | None
    signed_headers: tuple[str, ...]


@cache
def common_selectors() -> tuple[str, ...]:
    """The selectors probed when none is given (checks/dkim-selectors.toml)."""
    data = checks_dir() / "dkim-selectors.toml"
    return tuple(entry["name"] for entry in tomllib.loads(data.read_text("utf-8"))["selector"])


def parse_tag_list(text: str) -> dict[str, str]:
    """RFC 6376 3.2 tag-list; raises ValueError on a malformed or repeated tag."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        name = name.strip()
        if not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise ValueError(f"{part.strip()!r} is not a tag=value pair")
        if name in tags:
            raise ValueError(f"tag {name}= appears twice")
        tags[name] = re.sub(r"\s+", "", value) if name == "p" else value.strip()
    return tags


def parse_key(selector: str, domain: str, text: str) -> tuple[DkimKey, tuple[Finding, ...]]:
    where = Location(f"{selector}._domainkey.{domain} TXT")
    findings: list[Finding] = []
    key = DkimKey(selector, domain, text, None, None, False, False, ())
    try:
        tags = parse_tag_list(text)
    except ValueError as exc:
        return key, (finding("DKIM003", str(exc), where),)
    if "v" in tags and (tags["v"] != "DKIM1" or not text.lstrip().startswith("v")):
        findings.append(finding("DKIM003", "v= must be 'DKIM1' and come first", where))
    if "p" not in tags:
        return key, (*findings, finding("DKIM003", "no p= tag (public key)", where))
    key_type = tags.get("k", "rsa").lower()
    hashes = tuple(h.strip().lower() for h in tags.get("h", "").split(":") if h.strip())
    flags = [f.strip() for f in tags.get("t", "").split(":")]
    key = DkimKey(selector, domain, text, key_type, None, tags["p"] == "", "y" in flags, hashes)
    if key.revoked:
        findings.append(finding("DKIM006", f"selector {selector} is revoked", where))
        return key, tuple(findings)
    bits, problem = _key_bits(key_type, tags["p"])
    key = DkimKey(selector, domain, text, key_type, bits, False, key.testing, hashes)
    if problem:
        findings.append(finding("DKIM003", problem, where))
    elif key_type == "rsa" and bits is not None and bits < rsa_key_sizes().min_bits:
        findings.append(finding("DKIM004", f"{bits}-bit RSA key", where))
    elif key_type == "rsa" and bits is not None and bits < rsa_key_sizes().recommended_bits:
        findings.append(finding("DKIM005", f"{bits}-bit RSA key", where))
    if key.testing:
        findings.append(finding("DKIM007", f"selector {selector} has t=y", where))
    services = {v.strip().lower() for v in tags.get("s", "*").split(":")}
    if not services & {"*", "email"}:
        findings.append(finding("DKIM003", f"s={tags['s']}: the key is not for email", where))
    if hashes and "sha256" not in hashes:
        findings.append(finding("DKIM010", f"h={':'.join(hashes)} excludes sha256", where))
    return key, tuple(findings)


def _key_bits(key_type: str, p: str) -> tuple[int | None, str | None]:
    try:
        raw = base64.b64decode(p, validate=True)
    except (binascii.Error, ValueError):
        return None, "p= is not valid base64"
    if key_type == "ed25519":
        return (256, None) if len(raw) == 32 else (None, f"ed25519 key of {len(raw)} bytes, not 32")
    if key_type != "rsa":
        return None, f"unknown key type k={key_type}"
    try:
        return dkim.crypto.parse_public_key(raw)["modulus"].bit_length(), None
    except Exception:  # dkimpy's ASN.1 parser raises several types on junk
        return None, "p= is not an RSA public key"


def lookup_keys(domain: str, resolver: Resolver, selectors: tuple[str, ...] = ()
                ) -> tuple[tuple[DkimKey, ...], tuple[Finding, ...]]:
    """Keys at the given selectors (missing ones are errors), or found among the common ones."""
    probing = not selectors
    names = selectors or common_selectors()
    answers = resolver.query_many([(f"{s}._domainkey.{domain}", "TXT") for s in names])
    keys: list[DkimKey] = []
    findings: list[Finding] = []
    for selector, answer in zip(names, answers):
        where = Location(f"{selector}._domainkey.{domain} TXT")
        texts = _key_texts(answer)
        if answer.status is Status.TEMPERROR:
            if not probing:
                findings.append(finding("DKIM011", f"{answer.name}: {answer.error}", where))
            continue
        if not texts:
            if not probing:
                findings.append(finding("DKIM001", f"no key at {answer.name}", where))
            continue
        if len(texts) > 1:
            findings.append(finding("DKIM003", f"{len(texts)} key records at {answer.name}",
                                    where))
        key, problems = parse_key(selector, domain, texts[0])
        keys.append(key)
        findings.extend(problems)
    if probing and not keys:
        findings.append(finding("DKIM002", f"no key at {len(names)} common selectors of {domain}",
                                Location(f"_domainkey.{domain}")))
    return tuple(keys), tuple(findings)


def _key_texts(answer: Answer) -> list[str]:
    texts = [r.text for r in answer.records if isinstance(r, Txt)]
    if len(texts) > 1:  # other TXT data at the same name (rare) is not a key
        texts = [t for t in texts if re.search(r"(^|;)\s*(v=DKIM1|p=)", t)] or texts
    return texts


def verify_dkim(message: bytes, resolver: Resolver, path: str | None = None
                ) -> tuple[DkimSignatureResult, ...]:
    """Verify every DKIM-Signature of a message (rsa-sha256, ed25519-sha256, rsa-sha1).

    Raises NewsletterError when the bytes are not an RFC 5322 message at all.
    """
    try:
        headers = dkim.DKIM(message).headers
    except dkim.DKIMException as exc:
        raise NewsletterError(f"not an RFC 5322 message: {exc}", path=path) from None
    results = []
    count = sum(1 for name, _ in headers if name.lower() == b"dkim-signature")
    for index in range(count):
        results.append(_verify_one(message, index, resolver))
    return tuple(results)


def _verify_one(message: bytes, index: int, resolver: Resolver) -> DkimSignatureResult:
    lookups: list[Answer] = []

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        answer = resolver.query(text.rstrip("."), "TXT")
        lookups.append(answer)
        if answer.status is Status.TEMPERROR:
            raise dkim.DnsTimeoutError(answer.error or "DNS error")
        texts = _key_texts(answer)
        return texts[0].encode("utf-8") if texts else None

    verifier = dkim.DKIM(message, minkey=rsa_key_sizes().min_bits)
    domain = selector = algorithm = ""
    try:
        prepared = verifier.verify_headerprep(index)
        fields = verifier.signature_fields
        domain = fields.get(b"d", b"").decode("ascii", "replace")
        selector = fields.get(b"s", b"").decode("ascii", "replace")
        algorithm = fields.get(b"a", b"").decode("ascii", "replace")
        signed = tuple(h.decode("ascii", "replace") for h in verifier.include_headers)
        ok = bool(prepared) and verifier.verify(idx=index, dnsfunc=dnsfunc)
    except dkim.DKIMException as exc:
        fields = getattr(verifier, "signature_fields", None) or {}
        domain = domain or fields.get(b"d", b"").decode("ascii", "replace")
        selector = selector or fields.get(b"s", b"").decode("ascii", "replace")
        # a body that no longer matches is a failed signature; anything else is a broken one
        outcome = "fail" if str(exc).startswith("body hash mismatch") else "permerror"
        return DkimSignatureResult(domain, selector, algorithm, outcome, str(exc),
                                   verifier.keysize or None, ())
    bits = verifier.keysize or None
    if ok:
        return DkimSignatureResult(domain, selector, algorithm, "pass", "signature verified",
                                   bits, signed)
    if lookups and lookups[-1].status is Status.TEMPERROR:
        return DkimSignatureResult(domain, selector, algorithm, "temperror",
                                   f"key lookup failed: {lookups[-1].error}", None, signed)
    texts = _key_texts(lookups[-1]) if lookups else []
    if not texts:
        return DkimSignatureResult(domain, selector, algorithm, "permerror",
                                   f"no key at {selector}._domainkey.{domain}", None, signed)
    if getattr(verifier, "pk", None) is None:  # dkimpy refused the key record (saying why in a log)
        return DkimSignatureResult(domain, selector, algorithm, "permerror",
                                   _unusable(selector, domain, texts[0]), None, signed)
    return DkimSignatureResult(domain, selector, algorithm, "fail",
                               "signature or body hash does not match", bits, signed)


def _unusable(selector: str, domain: str, record: str) -> str:
    """Why a key record cannot verify anything, in the words of the key check (`dns` reports)."""
    _, problems = parse_key(selector, domain, record)
    reasons = [f.message for f in problems if f.rule in ("DKIM003", "DKIM006")]
    return "key record unusable: " + ("; ".join(reasons) or "dkimpy cannot load it")


def signature_findings(results: tuple[DkimSignatureResult, ...], path: str | None
                       ) -> tuple[Finding, ...]:
    where = Location(path)
    if not results:
        return (finding("DKIM009", "the message has no DKIM-Signature header", where),)
    findings = []
    for r in results:
        label = f"signature d={r.domain} s={r.selector} ({r.algorithm})"
        if r.result == "temperror":
            findings.append(finding("DKIM011", f"{label}: {r.reason}", where))
        elif r.result != "pass":
            findings.append(finding("DKIM008", f"{label}: {r.result}: {r.reason}", where))
        if r.algorithm == "rsa-sha1":
            findings.append(finding("DKIM010", f"{label} uses rsa-sha1", where))
    return tuple(findings)
