"""DMARC aggregate reports (RFC 7489 appendix C, RFC 9990) from XML: bytes in, typed records out.

Streamed: `read_aggregate` parses the metadata and the published policy, then yields records one
by one, each element freed once read, so a report of any size is read in flat memory. Reports
come from strangers: the XML parser resolves no entity, loads no DTD, fetches nothing, keeps
lxml's bounds on depth and text size, and a document that declares a DTD is refused. Values are
checked against the schemas' lists ('Pass' is not 'pass'); an invalid report is refused whole,
with the line of the first thing wrong.
"""

from __future__ import annotations

import io
import re
import socket
import threading
from dataclasses import dataclass
from itertools import islice
from typing import BinaryIO, Iterator

from lxml import etree

from ..errors import NewsletterError
from ..limits import input_limits
from .model import (ALIGNMENTS, DISCOVERY_METHODS, DISPOSITIONS, DKIM_RESULTS, DMARC_RESULTS,
                    POLICIES, PSD_VALUES, SPF_RESULT_ALIASES, SPF_RESULTS, SPF_SCOPES, YES_NO,
                    AggregateHeader, AggregateReport, DkimAuth, DmarcRecord, PolicyOverride,
                    PolicyPublished, ReportMetadata, SpfAuth)

RFC9990_NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0"
_RFC9990_ONLY = ("testing", "discovery_method", "psd")
_SCHEMA_FIX = ("the report does not follow the schema (RFC 7489 appendix C, RFC 9990 appendix A); "
               "it is not counted — tell its sender (the address in <email>) if it keeps coming")
# Some reporters wrap the report in an unclosed <xs:schema> start tag (seen from ikea.com).
_SCHEMA_WRAPPER = re.compile(rb"<xs:schema\b[^<>]*>")
_CHUNK = 65536  # bytes fed to the parser at a time
_TOP_LEVEL = frozenset({"version", "report_metadata", "policy_published", "extension", "record"})
_TOP_LEVEL_TAGS = tuple(f"{{*}}{name}" for name in sorted(_TOP_LEVEL))  # in any namespace or none


@dataclass(frozen=True)
class AggregateReading:
    """A report being read: its header now, its records as they are parsed."""

    header: AggregateHeader
    records: Iterator[DmarcRecord]


def parse_aggregate(data: bytes) -> AggregateReport:
    """A whole aggregate report from its XML bytes. Raises `NewsletterError` (with its line)."""
    reading = read_aggregate(io.BytesIO(data))
    return AggregateReport(reading.header, tuple(reading.records))


def read_aggregate(stream: BinaryIO) -> AggregateReading:
    """Start reading a report from a binary stream: the header is parsed before this returns;
    the records are parsed as they are iterated (an error among them raises then)."""
    elements = _top_level_elements(stream)
    version = metadata = policy = None
    namespace = ""
    first_record = None
    for name, element in elements:
        namespace = namespace or _namespace(element.getparent())
        if name == "version":
            version = _text(element)
        elif name == "report_metadata":
            metadata = _metadata(element)
        elif name == "policy_published":
            policy = _policy(element)
        elif name == "record":
            first_record = element
            break
        _free(element)
    if metadata is None or policy is None:
        missing = "report_metadata" if metadata is None else "policy_published"
        raise NewsletterError(f"not a complete DMARC aggregate report: no <{missing}>", fix=_SCHEMA_FIX)
    rfc9990 = (namespace == RFC9990_NAMESPACE or (version or "").startswith("2")
               or metadata.generator is not None
               or any(getattr(policy, name) is not None for name in _RFC9990_ONLY))
    header = AggregateHeader("rfc9990" if rfc9990 else "rfc7489", metadata, policy, version)
    return AggregateReading(header, _records(first_record, elements))


def _records(first: etree._Element | None, elements: Iterator[tuple[str, etree._Element]]
             ) -> Iterator[DmarcRecord]:
    if first is None:
        return
    yield _record(first)
    _free(first)
    for name, element in elements:
        if name == "record":
            yield _record(element)
        _free(element)


def _first_chunk(stream: BinaryIO) -> bytes:
    """The first bytes of the report, without an <xs:schema> start tag before its root."""
    head = stream.read(_CHUNK)
    root = head.find(b"<feedback")
    match = _SCHEMA_WRAPPER.search(head, 0, root if root >= 0 else len(head))
    return head[:match.start()] + head[match.end():] if match else head


def _top_level_elements(stream: BinaryIO) -> Iterator[tuple[str, etree._Element]]:
    """(local name, element) of each known child of <feedback> once parsed, in document order.

    One pull parser is fed the stream chunk by chunk and reports only the elements of the known
    names (lxml skips the others in C: a record is one event, not twenty). The elements bound
    holds for each element given and, after each chunk, for the tree still in memory (what
    is left of the elements given, and the one being read): a crafted record cannot grow
    past it by more than one chunk's worth before it is refused."""
    most = int(input_limits("reports")["max_elements_per_record"])
    parser = _parser()
    root = document = None
    chunk = _first_chunk(stream)
    while True:
        failure = None
        try:
            if chunk:
                parser.feed(chunk)
            else:
                document = parser.close()
        except etree.XMLSyntaxError as exc:
            failure = exc  # the elements parsed before it are still given, in order
        for _, element in parser.read_events():
            if root is None:
                root = _root(element)
            if element.getparent() is root:
                _bound(element, most)
                yield _LOCAL.get(element.tag) or _local(element.tag), element
        if failure is not None:
            raise _syntax_error(failure)
        if not chunk:
            _idle().append(parser)  # read to its end: ready for another document
            break
        if root is not None:
            _bound(root, most, also=2)  # also <feedback> and what is left of the last element given
        chunk = stream.read(_CHUNK)
    if root is None:
        if document is not None:
            _root(document)
        raise NewsletterError("not a DMARC aggregate report: no <report_metadata>, "
                              "<policy_published> or <record>", fix=_SCHEMA_FIX)


_THREAD = threading.local()


def _idle() -> list[etree.XMLPullParser]:
    """This thread's pull parsers that read a document to its end, ready for the next one (lxml
    wants a parser used by one thread): setting one up costs a sixth of reading a small report.
    A parser left in the middle of a document (an error, a reading abandoned) is never reused."""
    if not hasattr(_THREAD, "parsers"):
        _THREAD.parsers = []
    return _THREAD.parsers


def _parser() -> etree.XMLPullParser:
    idle = _idle()
    if idle:
        return idle.pop()
    return etree.XMLPullParser(events=("end",), tag=_TOP_LEVEL_TAGS, resolve_entities=False, no_network=True,
                               huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True)


def _bound(element: etree._Element, most: int, also: int = 0) -> None:
    """Refuse `element` if it holds more than `most` elements (`also` more allowed)."""
    items = list(islice(element.iter(), most + also + 1))  # counted in C, never more than that
    if len(items) > most + also:
        raise NewsletterError(f"more than {most} elements in one record", line=items[-1].sourceline,
                              fix=_SCHEMA_FIX)


def _syntax_error(exc: etree.XMLSyntaxError) -> NewsletterError:
    what = str(exc.msg or exc).split(", line ")[0]
    if what.startswith("no element found") or what.startswith("Document is empty"):
        return NewsletterError("empty report: no XML in it", fix=_SCHEMA_FIX)
    return NewsletterError(f"invalid XML: {what}", line=exc.lineno or None, fix=_SCHEMA_FIX)


def _root(element: etree._Element) -> etree._Element:
    tree = element.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise NewsletterError("the XML declares a DTD (<!DOCTYPE>): refused, as reports never have "
                              "one and its entities could expand without bound or read local files",
                              line=1, fix=_SCHEMA_FIX)
    root = tree.getroot()
    if _local(root.tag) != "feedback":
        raise NewsletterError(f"not a DMARC aggregate report: the root element is <{_local(root.tag)}>, "
                              "not <feedback>", line=root.sourceline, fix=_SCHEMA_FIX)
    return root


def _free(element: etree._Element) -> None:
    """Drop a parsed top-level element and what came before it: memory stays flat."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


_LOCAL: dict[str, str] = {}


def _local(tag: str) -> str:
    """A tag without its namespace (remembered: reports repeat the same few tags)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = tag.rpartition("}")[2]
    return name


def _namespace(element: etree._Element | None) -> str:
    if element is None or not element.tag.startswith("{"):
        return ""
    return element.tag[1:].partition("}")[0]


# -- reading elements -------------------------------------------------------------------------

def _children(element: etree._Element) -> dict[str, etree._Element]:
    """The children by local name (a name given twice: the last one)."""
    return {_LOCAL.get(child.tag) or _local(child.tag): child for child in element}


def _all(element: etree._Element, name: str) -> list[etree._Element]:
    """The children named `name` (those an element may hold many of)."""
    return [child for child in element if (_LOCAL.get(child.tag) or _local(child.tag)) == name]


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()


def _one(found: dict[str, etree._Element], name: str, parent: etree._Element) -> etree._Element:
    element = found.get(name)
    if element is None:
        raise NewsletterError(f"<{_local(parent.tag)}> has no <{name}>", line=parent.sourceline,
                              fix=_SCHEMA_FIX)
    return element


def _optional(found: dict[str, etree._Element], name: str) -> str | None:
    """The text of an optional element; an empty one counts as absent."""
    element = found.get(name)
    return (_text(element) or None) if element is not None else None


def _choice(element: etree._Element, allowed: tuple[str, ...],
            aliases: dict[str, str] | None = None) -> str:
    value = _text(element)
    if aliases:
        value = aliases.get(value, value)
    if value not in allowed:
        raise NewsletterError(f"<{_local(element.tag)}> is {value!r}, not one of {', '.join(allowed)} "
                              "(the schema's values are lower case)", line=element.sourceline,
                              fix=_SCHEMA_FIX)
    return value


def _optional_choice(found: dict[str, etree._Element], name: str,
                     allowed: tuple[str, ...]) -> str | None:
    element = found.get(name)
    if element is None or not _text(element):
        return None
    return _choice(element, allowed)


def _integer(element: etree._Element, low: int = 0, high: int | None = None) -> int:
    value = _text(element)
    if not value.isdigit() or (high is not None and int(value) > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise NewsletterError(f"<{_local(element.tag)}> is {value!r}, not a whole number {span}",
                              line=element.sourceline, fix=_SCHEMA_FIX)
    return int(value)


def _domain(text: str) -> str:
    return text.strip().rstrip(".").lower()


def _metadata(element: etree._Element) -> ReportMetadata:
    found = _children(element)
    report_id = _text(_one(found, "report_id", element))
    if not report_id:
        raise NewsletterError("<report_id> is empty", line=element.sourceline, fix=_SCHEMA_FIX)
    dates = _one(found, "date_range", element)
    span = _children(dates)
    begin = _integer(_one(span, "begin", dates))
    end = _integer(_one(span, "end", dates))
    if end < begin:
        raise NewsletterError(f"<date_range> ends ({end}) before it begins ({begin})",
                              line=dates.sourceline, fix=_SCHEMA_FIX)
    return ReportMetadata(
        org_name=_text(_one(found, "org_name", element)),
        email=_text(_one(found, "email", element)),
        report_id=report_id, begin=begin, end=end,
        extra_contact_info=_optional(found, "extra_contact_info"),
        generator=_optional(found, "generator"),
        errors=tuple(text for e in _all(element, "error") if (text := _text(e))),
    )


def _policy(element: etree._Element) -> PolicyPublished:
    found = _children(element)
    domain = _domain(_text(_one(found, "domain", element)))
    if not domain:
        raise NewsletterError("<policy_published> has an empty <domain>", line=element.sourceline,
                              fix=_SCHEMA_FIX)
    pct = found.get("pct")
    return PolicyPublished(
        domain=domain,
        p=_choice(_one(found, "p", element), POLICIES),
        sp=_optional_choice(found, "sp", POLICIES),
        np=_optional_choice(found, "np", POLICIES),
        pct=_integer(pct, 0, 100) if pct is not None and _text(pct) else None,
        adkim=_optional_choice(found, "adkim", ALIGNMENTS),
        aspf=_optional_choice(found, "aspf", ALIGNMENTS),
        fo=_optional(found, "fo"),
        testing=_optional_choice(found, "testing", YES_NO),
        psd=_optional_choice(found, "psd", PSD_VALUES),
        discovery_method=_optional_choice(found, "discovery_method", DISCOVERY_METHODS),
    )


def _record(element: etree._Element) -> DmarcRecord:
    """One <record>, read in one pass over each of its parts (big reports have millions)."""
    row = identifiers = auth = None
    for part in element:
        name = _local(part.tag)
        if name == "row":
            row = part
        elif name == "identifiers":
            identifiers = part
        elif name == "auth_results":
            auth = part
    if row is None or identifiers is None:
        raise NewsletterError(f"<record> has no <{'row' if row is None else 'identifiers'}>",
                              line=element.sourceline, fix=_SCHEMA_FIX)
    found: dict[str, etree._Element] = {}
    reasons: list[dict[str, etree._Element]] = []
    for item in row.iter():
        name = _local(item.tag)
        if name == "reason":
            reasons.append({})
        elif reasons and name in ("type", "comment"):
            reasons[-1][name] = item
        else:
            found[name] = item
    for name in ("source_ip", "count", "disposition", "dkim", "spf"):
        if name not in found:
            raise NewsletterError(f"<row> has no <{name}>", line=row.sourceline, fix=_SCHEMA_FIX)
    names = {_local(item.tag): item for item in identifiers}
    if "header_from" not in names:
        raise NewsletterError("<identifiers> has no <header_from>", line=identifiers.sourceline,
                              fix=_SCHEMA_FIX)
    dkim_results: list[etree._Element] = []
    spf_results: list[etree._Element] = []
    for result in auth if auth is not None else ():
        name = _LOCAL.get(result.tag) or _local(result.tag)
        if name == "dkim":
            dkim_results.append(result)
        elif name == "spf":
            spf_results.append(result)
    return DmarcRecord(  # the arguments are checked in document order: the first error is reported
        source_ip=_ip(found["source_ip"]),
        count=_integer(found["count"]),
        disposition=_choice(found["disposition"], DISPOSITIONS),
        dkim=_choice(found["dkim"], DMARC_RESULTS),
        spf=_choice(found["spf"], DMARC_RESULTS),
        reasons=tuple(PolicyOverride(_text(r["type"]), _optional(r, "comment"))
                      for r in reasons if "type" in r and _text(r["type"])),
        header_from=_domain(_text(names["header_from"])),
        envelope_from=_domain(_optional(names, "envelope_from") or "") or None,
        envelope_to=_domain(_optional(names, "envelope_to") or "") or None,
        dkim_results=tuple(_dkim(r) for r in dkim_results),
        spf_results=tuple(_spf(r) for r in spf_results),
    )


def _ip(element: etree._Element) -> str:
    """The address in its canonical text (socket's parser: strict, and fast on big reports)."""
    text = _text(element)
    family = socket.AF_INET6 if ":" in text else socket.AF_INET
    try:
        return socket.inet_ntop(family, socket.inet_pton(family, text))
    except (OSError, ValueError):
        raise NewsletterError(f"<source_ip> is {text!r}, not an IP address", line=element.sourceline,
                              fix=_SCHEMA_FIX) from None


def _dkim(element: etree._Element) -> DkimAuth:
    found = _children(element)
    return DkimAuth(domain=_domain(_text(_one(found, "domain", element))),
                    result=_choice(_one(found, "result", element), DKIM_RESULTS),
                    selector=_optional(found, "selector"),
                    human_result=_optional(found, "human_result"))


def _spf(element: etree._Element) -> SpfAuth:
    found = _children(element)
    return SpfAuth(domain=_domain(_text(_one(found, "domain", element))),
                   result=_choice(_one(found, "result", element), SPF_RESULTS, SPF_RESULT_ALIASES),
                   scope=_optional_choice(found, "scope", SPF_SCOPES),
                   human_result=_optional(found, "human_result"))
