"""The message serializer: what we write, the standard `email` parser reads back exactly."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone
from email.headerregistry import Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import display_name, raw_headers
from newsletter.render import Envelope, Kind, build_message
from newsletter.errors import NewsletterError
from newsletter.headers import UnsafeCharacter
from newsletter.render.message import encode_header

header_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"), min_size=1, max_size=200
).map(lambda s: " ".join(s.split())).filter(bool)


body_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=500)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


@settings(max_examples=300, deadline=None)
@given(subject=header_text, name=header_text, text=body_text, html=body_text)
def test_round_trip_through_the_standard_parser(subject, name, text, html):
    envelope = Envelope(
        sender=Address("Maison Lumière", "bonjour", "maison.example"),
        recipient=Address(name, "zoe", "example.net"),
        subject=subject,
        kind=Kind.PROMOTIONAL,
        unsubscribe_url="https://maison.example/u?e=zoe%40example.net",
        date=datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc),
        message_id="<1.2@maison.example>",
    )
    raw = build_message(envelope, html, text)
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n") if b"https:" not in line)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    message = parse(raw)
    assert message.defects == [] and all(p.defects == [] for p in message.walk())
    assert message["Subject"] == subject
    assert [a.addr_spec for a in message["To"].addresses] == ["zoe@example.net"]
    assert display_name(dict(raw_headers(raw))["To"]) == name
    plain, rich = message.iter_parts()
    assert plain.get_content().replace("\r\n", "\n") == text
    assert rich.get_content().replace("\r\n", "\n") == html


def test_headers_fold_below_78_columns_when_they_can():
    value = encode_header("Les nouvelles de l'atelier : l'hiver à la lueur des bougies, trois idées et nos ventes privées", 9)
    for line in ("Subject: " + value).split("\r\n"):
        assert len(line) <= 78, line
    assert str(parse(f"Subject: {value}\r\n\r\n".encode())["Subject"]).startswith("Les nouvelles de l'atelier : l'hiver à")


def test_transactional_has_no_unsubscribe_headers():
    envelope = Envelope(Address("", "a", "shop.example"), Address("", "b", "example.net"), "Reçu", Kind.TRANSACTIONAL)
    message = parse(build_message(envelope, "<p>x</p>", "x"))
    assert "List-Unsubscribe" not in message and message["Message-ID"].endswith("@shop.example>")


ENVELOPE = dict(
    sender=Address("Shop", "shop", "example.com"), recipient=Address("Zoé", "zoe", "example.net"), subject="Soldes",
    kind=Kind.PROMOTIONAL, reply_to=Address("Service", "service", "example.com"),
    unsubscribe_url="https://shop.example/u", unsubscribe_mailto="stop@shop.example",
    list_id="Lettre <lettre.shop.example>", message_id="<1.2@shop.example>",
)
HEADERS = {"sender": "From", "recipient": "To", "reply_to": "Reply-To", "subject": "Subject", "list_id": "List-Id",
           "unsubscribe_url": "List-Unsubscribe", "unsubscribe_mailto": "List-Unsubscribe", "message_id": "Message-ID"}


@pytest.mark.parametrize("field", HEADERS)
@pytest.mark.parametrize("character", ["\x0b", "\x00", "\x1e", "\x7f", "\x85", "\u2028", "\t"])
def test_every_header_refuses_control_characters_whoever_calls(field, character):
    bad = f"x{character}Bcc: evil@attacker.example"
    value = Address(bad, "a", "example.com") if isinstance(ENVELOPE[field], Address) else bad
    with pytest.raises(UnsafeCharacter) as error:
        build_message(Envelope(**{**ENVELOPE, field: value}), "<p>x</p>", "x")
    assert error.value.character == character
    assert f"U+{ord(character):04X} in the {HEADERS[field]} header" in str(error.value)


def test_long_names_fold_into_encoded_words_that_decode_back():
    name = "Александр Сергеевич Пушкин, поэт и писатель " * 3
    raw = build_message(Envelope(**{**ENVELOPE, "recipient": Address(name.strip(), "a", "example.ru")}), "x", "x")
    to = dict(raw_headers(raw))["To"]
    assert all(len(line) <= 78 for line in ("To: " + to).split("\r\n")) and to.count("\r\n") >= 4
    assert all(len(word) <= 75 for word in to.split() if word.startswith("=?"))
    assert display_name(to) == name.strip()


def test_a_message_id_too_long_for_a_line_is_refused():
    with pytest.raises(NewsletterError, match="Message-ID header would have a line of 999 characters"):
        build_message(Envelope(**{**ENVELOPE, "message_id": f"<{'a' * 972}@shop.example>"}), "x", "x")


# Names as a French or international list holds them: accents, compound names, other scripts,
# characters a quoted name must escape, emoji.
NAMES = st.lists(st.sampled_from(["Zoé", "Lefèvre-Durand", "Sébastien", "O'Brien", "Łukasz", "Дмитрий", "王", "😀",
                                  "Jean", "\"Dupont, Jean\"", "a.b", "(x)", " ", "ü" * 30, "x" * 70]),
                 min_size=1, max_size=6).map(" ".join)


@settings(max_examples=2000, deadline=None)
@given(NAMES)
def test_a_display_name_is_written_as_formataddr_writes_it(name):
    from email.utils import formataddr

    from newsletter.render.message import _display_name

    assert _display_name.__wrapped__(name) == formataddr((name, ""), charset="utf-8")[: -len(" <>")]


def _encoded_words_one_character_at_a_time(text, room):
    """The encoder before the one-word shortcut and the Latin-1 table: the reference."""
    from newsletter.render.message import _EMPTY_WORD, _SAFE_Q, _WORD

    limit = min(room, _WORD) if room >= len(_EMPTY_WORD) + len("=F0=90=80=80") else _WORD
    words, current = [], ""
    for char in text:
        encoded = "".join(chr(b) if b in _SAFE_Q else "_" if b == 0x20 else f"={b:02X}" for b in char.encode("utf-8"))
        if current and len(current) + len(encoded) > limit - len(_EMPTY_WORD):
            words.append(f"=?utf-8?q?{current}?=")
            current, limit = "", _WORD
        current += encoded
    words.append(f"=?utf-8?q?{current}?=")
    return words


@settings(max_examples=2000, deadline=None)
@given(NAMES, st.integers(min_value=0, max_value=80))
def test_encoded_words_are_the_character_by_character_ones(text, room):
    from newsletter.render.message import _encoded_words

    assert _encoded_words(text, room) == _encoded_words_one_character_at_a_time(text, room)
