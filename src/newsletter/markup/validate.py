"""Gmail's rules applied to extracted markup: required properties, value types, vocabulary,
actions, kind consistency. Pure: data in, findings out ("now" and the visible text are inputs).
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime, timezone

from ..findings import Finding, Location, finding
from ..kinds import Kind
from . import values as check
from .model import Item, Literal, Markup, Value
from .promotions import promotion_findings
from .spec import LITERAL_TYPES, Knowledge, Level, PropertySpec, TypeSpec, knowledge

_PUNCTUATION = re.compile(r"[!?.,;:…¡¿\"'«»()\[\]*#]")


def validate(
    markup: Markup,
    kind: Kind | str | None = None,
    now: datetime | None = None,
    visible_text: str | None = None,
) -> tuple[Finding, ...]:
    """Every finding about `markup`: its extraction findings first, then Gmail's rules.

    `kind` enables the kind-consistency rules (None: not checked); `now` decides whether a
    DiscountOffer has expired (default: the current time); `visible_text` is the text a reader
    sees, for the discount-code rule (None: not checked).
    """
    known = knowledge()
    kind = Kind.parse(kind) if isinstance(kind, str) else kind
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    found: list[Finding] = list(markup.findings)
    for root in markup.items:
        for item in root.walk():
            found += _vocabulary(item, known)
            spec = known.types.get(item.type)
            if spec and (item is root or not spec.root_only):
                found += _requirements(item, spec, known)
        found += _insecure_urls(root, known)
    found += promotion_findings(markup, known, now, visible_text)
    if kind is not None:
        found += _kind_findings(markup, kind, known)
    found += _context(markup, known)
    return tuple(found)


# -- vocabulary: types, property names, actions ------------------------------------------------

def _vocabulary(item: Item, known: Knowledge) -> list[Finding]:
    found: list[Finding] = []
    if item.vocabulary:
        found.append(finding("M003", f"type {item.type!r} is from {item.vocabulary}, not schema.org", item.location))
        return found
    if item.type and item.type not in known.vocabulary and item.type not in known.types:
        found.append(finding("M003", f"unknown type {item.type!r}{_did_you_mean(item.type, known.vocabulary)}", item.location))
        return found
    names = known.known_properties(item.type) if item.type else None
    for prop in item.properties:
        where = prop.location or item.location
        if prop.name == "action":
            found.append(finding("M018", f"{item.type or 'item'}: 'action' is not read by Gmail; use 'potentialAction'", where))
        elif names is not None and prop.name not in names:
            found.append(finding("M004", f"{item.type} has no property {prop.name!r}{_did_you_mean(prop.name, names)}", where))
    if item.type and known.is_a(item.type, "Action"):
        found += _action_name(item)
    return found


def _did_you_mean(name: str, candidates) -> str:
    folded = {c.lower(): c for c in candidates}
    if name.lower() in folded:
        return f"; did you mean {folded[name.lower()]!r}?"
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def _action_name(action: Item) -> list[Finding]:
    name = action.text("name")
    if not name:
        return []
    letters = [c for c in name if c.isalpha()]
    problems = []
    if _PUNCTUATION.search(name):
        problems.append("punctuation")
    if len(letters) > 1 and all(c.isupper() for c in letters):
        problems.append("all capitals")
    if not problems:
        return []
    where = action.property("name").location if action.property("name") else action.location
    return [finding("M017", f"{action.type} name {name!r} has {' and '.join(problems)}", where)]


# -- requirements of one type ------------------------------------------------------------------

def _requirements(item: Item, spec: TypeSpec, known: Knowledge) -> list[Finding]:
    found: list[Finding] = []
    for prop_spec in spec.properties:
        for parent in _items_at(item, prop_spec.parent):
            present = [v for v in parent.values(prop_spec.name) if not _empty(v)]
            if not present:
                found += _missing(parent, prop_spec, spec)
                continue
            where = parent.property(prop_spec.name).location or parent.location
            for value in present:
                found += _value_findings(value, prop_spec, spec, known, where)
    return found


def _items_at(item: Item, path: str) -> list[Item]:
    """The items at a dotted path under `item` (several where a property has several values)."""
    current = [item]
    for name in filter(None, path.split(".")):
        current = [v for parent in current for v in parent.values(name) if isinstance(v, Item)]
    return current


def _empty(value: Value) -> bool:
    return isinstance(value, Literal) and not value.text.strip()


def _missing(parent: Item, prop_spec: PropertySpec, spec: TypeSpec) -> list[Finding]:
    if prop_spec.level is Level.OPTIONAL:
        return []
    if any(not _empty(v) for alt in prop_spec.alternatives for v in parent.values(alt)):
        return []
    rule = "M005" if prop_spec.level is Level.REQUIRED else "M006"
    also = f" (or {', '.join(prop_spec.alternatives)})" if prop_spec.alternatives else ""
    return [
        finding(
            rule,
            f"{spec.name}: {prop_spec.level.value} property {prop_spec.path!r}{also} is missing",
            parent.location,
            fix=f"add {prop_spec.name!r} ({' or '.join(prop_spec.expects)}); see {prop_spec.source}",
        )
    ]


def _value_findings(value: Value, prop_spec: PropertySpec, spec: TypeSpec, known: Knowledge, where: Location | None) -> list[Finding]:
    expects = prop_spec.expects
    label = f"{spec.name}.{prop_spec.path}"
    if isinstance(value, Item):
        nested = [e for e in expects if e not in LITERAL_TYPES and e not in known.enumerations]
        if not value.type or value.vocabulary or any(known.is_a(value.type, e) for e in nested):
            return []
        if not nested and "URL" in expects and value.text("url"):
            return []
        wanted = " or ".join(expects)
        return [finding("M007", f"{label} expects {wanted}, not a {value.type}", value.location or where)]
    problems = [_literal_problem(value, e, known) for e in expects]
    if any(p is None for p in problems):
        return []
    rule, message = next((p for p in problems if p[0] == "M010"), problems[0])
    return [finding(rule, f"{label}: {message}", value.location or where)]


def _literal_problem(value: Literal, expected: str, known: Knowledge) -> tuple[str, str] | None:
    """None if the literal fits `expected`, else (rule, message)."""
    if expected == "Text":
        return None if not isinstance(value.value, bool) else ("M007", "a boolean is not text")
    if expected == "DateTime":
        return check.datetime_problem(value, date_allowed=False)
    if expected == "Date":
        return check.datetime_problem(value, date_allowed=True)
    simple = {
        "Number": lambda: check.number_problem(value),
        "URL": lambda: check.url_problem(value),
        "Currency": lambda: check.currency_problem(value, known.currencies),
        "Boolean": lambda: check.boolean_problem(value),
    }
    if expected in simple:
        problem = simple[expected]()
    elif expected in known.enumerations:
        problem = check.enumeration_problem(value, expected, known.enumerations[expected])
    elif expected in ("ImageObject", "EntryPoint"):  # a bare URL stands for these
        problem = check.url_problem(value)
    else:
        problem = f"expects a {expected} item, not the text {value.text!r}"
    return None if problem is None else ("M007", problem)


# -- URLs, kind, context -----------------------------------------------------------------------

def _insecure_urls(root: Item, known: Knowledge) -> list[Finding]:
    found = []
    for item in root.walk():
        in_action = bool(item.type) and (known.is_a(item.type, "Action") or item.type == "HttpActionHandler")
        for prop in item.properties:
            for value in prop.values:
                if isinstance(value, Literal) and value.text.strip().lower().startswith("http://") \
                        and not check.SCHEMA_URL.match(value.text.strip()):
                    rule = "M009" if in_action else "M008"
                    found.append(finding(rule, f"{item.type or 'item'}.{prop.name} is an http: URL: {value.text.strip()}",
                                         value.location or prop.location or item.location))
    return found


def card_kind(item: Item, known: Knowledge) -> Kind | None:
    """The kind of mail a top-level item belongs in (None: either). A top-level Organization
    is a Promotions annotation only when it carries a logo."""
    spec = known.types.get(item.type)
    if spec is None or spec.kind is None:
        return None
    if item.type == "Organization" and not item.values("logo"):
        return None
    return spec.kind


def _kind_findings(markup: Markup, kind: Kind, known: Knowledge) -> list[Finding]:
    found = []
    for item in markup.items:
        belongs = card_kind(item, known)
        if belongs is None or belongs is kind:
            continue
        if kind is Kind.PROMOTIONAL:
            found.append(finding("M019", f"promotional message carries {item.type} markup, which is for transactional mail", item.location))
        else:
            found.append(finding("M020", f"transactional message carries a Promotions annotation: {item.type}", item.location))
    return found


def _context(markup: Markup, known: Knowledge) -> list[Finding]:
    gmail_items = [i for i in markup.items if i.type in known.types]
    if not gmail_items:
        return []
    where = Location(markup.path) if markup.path else None
    if all(card_kind(i, known) is Kind.PROMOTIONAL for i in gmail_items):
        shown = ("Gmail shows Promotions annotations at its discretion, for senders with a good "
                 "reputation whose SPF and DKIM pass for the From domain")
    else:
        shown = ("Gmail shows this markup only if the sender is registered with Google and SPF "
                 "and DKIM pass for the From domain")
    return [
        finding("M021", shown, where),
        finding("M022", "forwarded copies of this message lose the markup: test by sending directly", where),
    ]
