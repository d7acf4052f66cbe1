"""E rules: HTML and CSS features the clients a project targets do not (fully) support.

The support comes from the caniemail dataset stored in `checks/caniemail.json` (refreshed by
`tools/refresh_caniemail.py`); each feature says what it is detected by (a property, an
at-rule, an element...). A template is read once for every feature it uses, and each feature
a targeted client lacks gives one finding naming those clients and the dataset's notes.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Iterable, Iterator, Mapping

from ..bounds import blank_comments_and_strings
from ..checkfiles import read_check
from ..errors import NewsletterError
from ..findings import Finding, Location, finding
from ..html.css import read_stylesheet
from ..html.dom import declarations
from .model import LintInput

NOT_SUPPORTED, PARTIAL = "n", "a"
# Possessive and anchored by lookbehinds: values may be hostile, and each pattern reads a run once.
_FUNCTION = re.compile(r"(?<![a-zA-Z-])([a-zA-Z-]++)\(")
_UNIT = re.compile(r"(?<![\w#.-])[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(%|[a-zA-Z]++)")
_WORD = re.compile(r"[a-zA-Z][\w-]*")
_IMPORTANT = re.compile(r"!\s*important", re.IGNORECASE)
_RULE_PRELUDE = re.compile(r"(?:(?<=[{};])|^)([^{};]+)\{")  # from a delimiter only: linear on long runs
_MEDIA_FEATURE = re.compile(r"\(\s*([a-zA-Z-]+)")
_PSEUDO = re.compile(r"::?([a-zA-Z-]+)")
# What a selector shows of each kind caniemail tests (a selector is read with its strings blanked).
_SELECTOR_KINDS = {
    "adjacent-sibling": re.compile(r"\+"),
    "general-sibling": re.compile(r"~(?!=)"),
    "child": re.compile(r">"),
    "attribute": re.compile(r"\["),
    "id": re.compile(r"#[a-zA-Z_-]"),
    "class": re.compile(r"\.[a-zA-Z_-]"),
    "universal": re.compile(r"\*(?!=)"),
    "chaining": re.compile(r"[\w\]\)][.#\[][a-zA-Z_-]"),
    "grouping": re.compile(r","),
    "descendant": re.compile(r"[\w\]\)*]\s++[\w.#\[*:]"),
    "type": re.compile(r"(?:^|[\s,>+~])[a-zA-Z][\w-]*"),
}


@dataclass(frozen=True)
class Feature:
    slug: str
    title: str
    category: str  # css, html, image, others
    url: str
    detect: Mapping[str, object]
    support: Mapping[str, tuple[str, tuple[int, ...]]]  # client -> (y/n/a/u, note numbers)
    notes: Mapping[str, str]


@dataclass(frozen=True)
class ClientData:
    version: str
    data_updated: str
    clients: Mapping[str, tuple[str, str]]  # id -> (family name, platform name)
    features: Mapping[str, Feature]  # by slug
    index: Mapping[tuple[str, str], tuple[str, ...]]  # (kind, key) -> slugs
    flags: Mapping[str, tuple[str, ...]]  # kind -> slugs, for yes/no detections (comments, doctype)


@cache
def client_data() -> ClientData:
    raw = json.loads(read_check("caniemail.json"))
    features = {}
    index: dict[tuple[str, str], list[str]] = defaultdict(list)
    flags: dict[str, list[str]] = defaultdict(list)
    for item in raw["features"]:
        feature = Feature(item["slug"], item["title"], item["category"], item["url"], item["detect"],
                          {c: (s[0], tuple(s[1])) for c, s in item["support"].items()}, item["notes"])
        features[feature.slug] = feature
        for kind, keys in feature.detect.items():
            if keys is True:
                flags[kind].append(feature.slug)
                continue
            for key in keys:
                index[(kind, ":".join(key).lower() if isinstance(key, list) else key.lower())].append(feature.slug)
    return ClientData(raw["version"], raw["data_updated"], {c: tuple(n) for c, n in raw["clients"].items()}, features,
                      {k: tuple(v) for k, v in index.items()}, {k: tuple(v) for k, v in flags.items()})


@cache
def _settings() -> dict:
    return tomllib.loads(read_check("clients.toml"))


@cache
def default_clients() -> tuple[str, ...]:
    return resolve_clients(_settings()["default"], where="checks/clients.toml")


@cache
def baseline() -> frozenset[str]:
    """Slugs of the features every email is made of, not reported (checks/clients.toml)."""
    return frozenset(_settings()["baseline"])


@cache
def decorative() -> frozenset[str]:
    """Slugs of the features a client can lack and still show the message whole: info, not warning."""
    return frozenset(_settings()["decorative"])


def resolve_clients(names: Iterable[str], *, where: str, path: str | None = None) -> tuple[str, ...]:
    """Client ids (family.platform), a family alone standing for all its platforms. An id the
    dataset does not know is a usage error naming the known families."""
    known = client_data().clients
    chosen: list[str] = []
    for name in names:
        name = name.strip().lower()
        matches = [c for c in known if c == name or c.startswith(name + ".")]
        if not matches:
            families = sorted({c.split(".")[0] for c in known})
            raise NewsletterError(f"unknown mail client {name!r} in {where}", path=path,
                                  fix=f"use family.platform ids of `newsletter clients`, or a family: {', '.join(families)}")
        chosen += [m for m in matches if m not in chosen]
    return tuple(chosen)


class ClientSupport:
    """The E rule family for a set of target clients (a callable, so `[lint] clients` can
    replace the default one)."""

    def __init__(self, clients: tuple[str, ...] | None = None) -> None:
        self.clients = clients

    def __call__(self, lint_input: LintInput) -> Iterator[Finding]:
        if lint_input.html is None or lint_input.document is None:
            return
        clients = self.clients if self.clients is not None else default_clients()
        skipped = baseline()
        for slug, location in features_used(lint_input).items():
            verdict = _verdict(slug, clients) if slug not in skipped else None
            if verdict is not None:
                rule, message, fix = verdict
                yield finding(rule, message, location, fix=fix)


@lru_cache(maxsize=4096)
def _verdict(slug: str, clients: tuple[str, ...]) -> tuple[str, str, str] | None:
    """(rule, message, fix) for a feature in these clients, None when they all support it.
    Cached: every template of a project asks about the same features."""
    data = client_data()
    feature, names = data.features[slug], data.clients
    lacking = [c for c in clients if feature.support.get(c, ("u",))[0] == NOT_SUPPORTED]
    partial = [c for c in clients if feature.support.get(c, ("u",))[0] == PARTIAL]
    if not lacking and not partial:
        return None
    parts = []
    if lacking:
        parts.append(f"not supported in {_clients_text(feature, lacking, names)}")
    if partial:
        parts.append(f"partly supported in {_clients_text(feature, partial, names)}")
    used = sorted({n for c in lacking + partial for n in feature.support[c][1]})
    notes = "".join(f"; note {n}: {' '.join(feature.notes[str(n)].split()).rstrip('.')}"
                    for n in used if str(n) in feature.notes)
    prefix = feature.category.upper()
    what = (feature.title if feature.category == "others" or feature.title.upper().startswith(f"{prefix} ")
            else f"{prefix} {feature.title}")
    rule = "E001" if lacking and slug not in decorative() else "E002"
    return (rule, f"{what}: {'; '.join(parts)}{notes}",
            f"Give those clients a fallback, or do without it (caniemail: {feature.url})")


def _clients_text(feature: Feature, clients: list[str], names: Mapping[str, tuple[str, str]]) -> str:
    """'Gmail (Desktop Webmail, iOS [1])', one group per family, note numbers in brackets."""
    by_family: dict[str, list[str]] = {}
    for client in clients:
        family_name, platform_name = names[client]
        notes = feature.support[client][1]
        by_family.setdefault(family_name, []).append(platform_name + (f" [{', '.join(map(str, notes))}]" if notes else ""))
    return ", ".join(f"{family} ({', '.join(platforms)})" for family, platforms in by_family.items())


def features_used(lint_input: LintInput) -> dict[str, Location]:
    """Every dataset feature the HTML uses, with where it is first used."""
    data = client_data()
    found: dict[str, Location] = {}

    def mark(slugs: Iterable[str], where) -> None:
        for slug in slugs:
            if slug not in found:
                found[slug] = where() if callable(where) else where

    html = lint_input.html or ""
    if "<!--" in html:
        mark(data.flags.get("html_comment", ()), lint_input.at())
    if html.lstrip()[:9].lower() == "<!doctype":
        mark(data.flags.get("doctype", ()), lint_input.at(1))
    for style in lint_input.elements("style"):
        where = lint_input.locate(style)

        def at(line: int, where: Location = where) -> Location:
            return Location(where.path, where.line + line - 1) if where.line else where

        for slug, line in _in_stylesheet(style.text or ""):
            mark((slug,), lambda line=line: at(line))
    for element in lint_input.styled:
        style = element.get("style") or ""
        if "{{" not in style:
            mark(_in_style_attribute(style), lambda element=element: lint_input.locate(element))
    for element in lint_input.all_elements:
        slugs = _in_element(element.tag, tuple(element.attrib.items()))
        if slugs:  # most elements show no feature: nothing to mark
            mark(slugs, lambda element=element: lint_input.locate(element))
    return found


@lru_cache(maxsize=256)
def _in_stylesheet(css: str) -> tuple[tuple[str, int], ...]:
    """(slug, line) of the features a `<style>` block uses. Cached: templates of one family
    repeat their blocks."""
    data = client_data()
    found: list[tuple[str, int]] = []
    sheet = read_stylesheet(css)
    for declaration in sheet.declarations:
        found += [(slug, declaration.line) for slug in _in_declaration(declaration.name, declaration.value)]
    for name, line in sheet.at_rules:
        found += [(slug, line) for slug in data.index.get(("at_rule", name), ())]
    for prelude, line in sheet.media_queries:
        for feature in _MEDIA_FEATURE.findall(prelude):
            found += [(slug, line) for slug in _media_feature(feature)]
    if sheet.nested:
        found += [(slug, sheet.nested[0][1]) for slug in data.flags.get("nesting", ())]
    blanked = blank_comments_and_strings(css)
    if "/*" in css:
        found += [(slug, css[: css.index("/*")].count("\n") + 1) for slug in data.flags.get("css_comment", ())]
    important = _IMPORTANT.search(blanked)
    if important:
        found += [(slug, blanked[: important.start()].count("\n") + 1) for slug in data.index.get(("keyword", "!important"), ())]
    for match in _RULE_PRELUDE.finditer(blanked):
        selector = match.group(1).strip()
        if selector and not selector.startswith("@") and not selector[0].isdigit() and selector not in ("from", "to"):
            line = blanked[: match.start(1) + len(match.group(1)) - len(match.group(1).lstrip())].count("\n") + 1
            found += [(slug, line) for slug in _in_selector(selector)]
    return tuple(found)


@lru_cache(maxsize=4096)
def _in_style_attribute(style: str) -> tuple[str, ...]:
    found = [slug for name, value in declarations(style) for slug in _in_declaration(name, value)]
    if _IMPORTANT.search(style):
        found += client_data().index.get(("keyword", "!important"), ())
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=8192)
def _in_declaration(name: str, value: str) -> tuple[str, ...]:
    index = client_data().index
    name = name.lower()
    found = list(index.get(("property", name), ()))
    found += [slug for prefix, slugs in _prefixes() for slug in slugs if name.startswith(prefix)]
    if name.startswith("--"):
        found += client_data().flags.get("custom_property", ())
    lowered = value.lower()
    for word in _WORD.findall(lowered):
        found += index.get(("declaration", f"{name}:{word}"), ())
        found += index.get(("keyword", word), ())
    for function in _FUNCTION.findall(lowered):
        found += index.get(("function", function), ())
    for match in _UNIT.finditer(lowered):
        found += index.get(("unit", match.group(1)), ())
    return tuple(dict.fromkeys(found))


@cache
def _prefixes() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((key, slugs) for (kind, key), slugs in client_data().index.items() if kind == "property_prefix")


def _media_feature(name: str) -> tuple[str, ...]:
    """`min-width`, `-webkit-min-device-pixel-ratio` and the like, read as their base feature."""
    base = re.sub(r"^(-webkit-)?(min-|max-)?", "", name.lower())
    index = client_data().index
    return index.get(("media_feature", base), ()) + index.get(("media_feature", "-webkit-" + base), ())


@lru_cache(maxsize=4096)
def _in_selector(selector: str) -> tuple[str, ...]:
    index = client_data().index
    found = [slug for kind, pattern in _SELECTOR_KINDS.items() if pattern.search(selector)
             for slug in index.get(("selector", kind), ())]
    for pseudo in _PSEUDO.findall(selector):
        found += index.get(("pseudo", pseudo.lower()), ())
    if "&" in selector:
        found += client_data().flags.get("nesting", ())
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=8192)
def _in_element(tag: str, attributes: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Features an element shows by its tag and attributes. Cached: email HTML repeats the same
    few elements by the hundred."""
    index = client_data().index
    tag = tag.lower() if isinstance(tag, str) else ""
    found = list(index.get(("element", tag), ()))
    for name, value in attributes:
        name = name.lower()
        found += index.get(("attribute", name), ())
        found += index.get(("typed_element", f"{tag}:{name}:{value.strip().lower()}"), ())
        if tag == "a" and name == "href":
            found += [slug for prefix in ("#", "mailto:") if value.strip().lower().startswith(prefix)
                      for slug in index.get(("link", prefix), ())]
        elif tag == "meta" and name == "name":
            found += index.get(("meta", value.strip().lower()), ())
        elif tag == "img" and name == "src":
            found += _image(value.strip().lower())
    return tuple(dict.fromkeys(found))


def _image(src: str) -> tuple[str, ...]:
    index = client_data().index
    if src.startswith("data:"):
        return index.get(("image", "data:"), ())
    path = src.split("?", 1)[0].split("#", 1)[0]
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return index.get(("image", extension), ()) if extension else ()


def clear_caches() -> None:
    for cached in (_in_stylesheet, _in_style_attribute, _in_declaration, _in_selector, _in_element, _verdict):
        cached.cache_clear()
