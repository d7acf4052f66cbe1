"""The unsubscribe URL: its pattern checked once, each recipient's URL made a valid URI.

A pattern that prints a recipient value without `| urlencode` is refused before anything is
rendered: `zoe+soldes@example.fr` would reach the shop's server as `zoe soldes@example.fr`, and an
`&` or `#` in a value would cut the URL. A URL with non-ASCII characters (an IRI,
`https://shop.example/désinscription`) is converted as RFC 3987 section 3.1 says: the host to IDNA,
the other non-ASCII characters to UTF-8, percent-encoded.

A pattern that is text and `{{ value | urlencode }}` outputs only (the usual shape) is compiled to
its pieces once: per recipient, the values are looked up and encoded as the template would, and
joined, without a Jinja render (a seventh of a bulk message's cost).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote

import idna
import jinja2
from jinja2 import nodes

from ..errors import NewsletterError
from .environment import header_environment, jinja_errors
from ..headers import check_header_value, first_unsafe
from .slots import SlotPath

_AUTHORITY = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^/?#]*)(?P<rest>.*)", re.S)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# ASCII characters RFC 3986 never allows in a URI, even percent-encoding aside.
_NOT_IN_URI = re.compile(r'[ "<>\\^`{|}]')
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9_.~/-]")  # what `quote(..., safe="/")` escapes
_URL_SAFE_BUT_AT = re.compile(r"[A-Za-z0-9_.~/@-]*")
_PERCENT_ASCII = {chr(code): f"%{code:02X}" for code in range(128) if _URL_UNSAFE.match(chr(code))}


@dataclass(frozen=True)
class UrlPattern:
    """The unsubscribe URL pattern, compiled once; `source` says where it was set."""

    template: jinja2.Template
    source: str
    path: Path  # the template it is rendered for, for Jinja's errors
    pieces: tuple[str | SlotPath, ...] | None = None  # text and URL-encoded values; None: rendered
    uri_when_filled: bool = False  # the pieces filled are a URI `unsubscribe_uri` gives back unchanged

    def url_for(self, values: Mapping[str, Any]) -> str:
        """The recipient's unsubscribe URI."""
        url = self._filled(values) if self.pieces is not None else None
        if url is not None and self.uri_when_filled:
            return url
        if url is None:
            with jinja_errors(self.path):
                url = self.template.render(values)
        return unsubscribe_uri(url, self.source)

    def _filled(self, values: Mapping[str, Any]) -> str | None:
        """The compiled pieces filled as rendering fills them; None when a value is missing,
        undefined or refused by the filter: rendering then raises its own error, as before."""
        env = self.template.environment
        parts = []
        try:
            for piece in self.pieces or ():
                if type(piece) is str:
                    parts.append(piece)
                    continue
                value = piece.lookup(env, values)
                if isinstance(value, jinja2.Undefined):
                    return None
                parts.append(urlencode_text(value) if type(value) is str else str(env.filters["urlencode"](value)))
            return "".join(parts)  # the values are a row's, within its size limit: no output budget to count
        except Exception:  # a value the filter refuses, a lookup the sandbox refuses, a limit
            return None


def urlencode_text(value: str) -> str:
    """Jinja's `urlencode` of a string (`quote(value, safe="/")`), for an ASCII value with only
    its few unsafe characters replaced (an address's `@`, a `+`) rather than every byte looked up."""
    if not value.isascii():
        return quote(value, safe="/")
    if _URL_SAFE_BUT_AT.fullmatch(value):  # an address: its `@` the one character to escape
        return value.replace("@", "%40")
    return _URL_UNSAFE.sub(_percent, value)


def _percent(match: re.Match[str]) -> str:
    return _PERCENT_ASCII[match.group()]


def compile_url_pattern(pattern: str, source: str, path: Path) -> UrlPattern:
    """`NewsletterError` when the pattern prints a value that is not URL-encoded."""
    check_header_value("List-Unsubscribe", pattern, source=source)
    env = header_environment()
    with jinja_errors(path):
        ast = env.parse(pattern)
        template = env.from_string(ast)
    for output in ast.find_all(nodes.Output):
        for node in output.nodes:
            if not isinstance(node, (nodes.TemplateData, nodes.Const)) and not _urlencoded(node):
                names = [node] if isinstance(node, nodes.Name) else list(node.find_all(nodes.Name))
                name = names[0].name if names else "the value"
                raise NewsletterError(
                    f"{source}: the unsubscribe URL puts {name!r} in the URL without URL-encoding "
                    "it (a '+', '&' or '#' in the value would change the URL)",
                    fix=f"write {{{{ {name} | urlencode }}}}",
                )
    pieces = _pieces(ast)
    return UrlPattern(template, source, path, pieces, pieces is not None and _uri_when_filled(pieces))


def _pieces(ast: nodes.Template) -> tuple[str | SlotPath, ...] | None:
    """The pattern as text and the paths of the values it URL-encodes, when it is nothing else."""
    pieces: list[str | SlotPath] = []
    for statement in ast.body:
        if not isinstance(statement, nodes.Output):
            return None
        for node in statement.nodes:
            if isinstance(node, nodes.TemplateData):
                pieces.append(node.data)
                continue
            plain = _urlencoded(node) and not (node.args or node.kwargs or node.dyn_args or node.dyn_kwargs)
            path = SlotPath.of(node.node) if plain else None
            if path is None:
                return None
            pieces.append(path)
    return tuple(pieces)


def _uri_when_filled(pieces: tuple[str | SlotPath, ...]) -> bool:
    """Whether `unsubscribe_uri` gives every filling of `pieces` back unchanged, so that it need
    not run a recipient: the text starts with https://, is ASCII and holds nothing a URI or a
    header refuses (no space: nothing to strip); a value, URL-encoded, is only characters a URI
    allows (`%XX`, `+`, `&`, `=` and unreserved ones)."""
    first = pieces[0]
    return isinstance(first, str) and first.startswith("https://") and all(
        piece.isascii() and first_unsafe(piece) is None and not _NOT_IN_URI.search(piece)
        for piece in pieces if isinstance(piece, str))


def _urlencoded(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Filter) and node.name == "urlencode"


def unsubscribe_uri(url: str, source: str) -> str:
    """`url` as a URI: https, one line, non-ASCII percent-encoded (RFC 3987 section 3.1), its
    host in IDNA. `NewsletterError` naming `source` otherwise."""
    url = check_header_value("List-Unsubscribe", url.strip(), source=source)
    if not url.startswith("https://"):
        raise NewsletterError(
            f"{source}: the unsubscribe URL {url!r} is not an https URL",
            fix="unsubscribe_url must start with https:// (RFC 8058 one-click needs https)",
        )
    if not url.isascii():
        url = _iri_to_uri(url, source)
    bad = _NOT_IN_URI.search(url)
    if bad:
        raise NewsletterError(
            f"{source}: {bad.group()!r} in the unsubscribe URL {url!r}",
            fix="percent-encode it in the URL, and write {{ name | urlencode }} for a variable",
        )
    return url


def _iri_to_uri(iri: str, source: str) -> str:
    parts = _AUTHORITY.fullmatch(iri)
    assert parts is not None  # the caller checked it starts with https://
    userinfo, at, hostport = parts["authority"].rpartition("@")
    host, colon, port = hostport.partition(":")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii") if not host.isascii() else host
    except idna.IDNAError as exc:
        raise NewsletterError(f"{source}: the unsubscribe URL's host {host!r} is not a domain name ({exc})",
                              fix="correct the host name") from None
    authority = _percent_encode(userinfo) + at + ascii_host + colon + _percent_encode(port)
    return parts["scheme"] + authority + _percent_encode(parts["rest"])


def _percent_encode(text: str) -> str:
    return _NON_ASCII.sub(lambda m: quote(m.group(), safe=""), text)
