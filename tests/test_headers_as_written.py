"""A received message's headers read as written say what the `email` package's parse of them
said (issue 18): the odd headers placement reports, lint's H003/H004, the text of address and
unstructured headers placement and lint read, over generated values (French day and month names,
folds, accents, `€`, « », undecodable bytes, encoded words, comments, quotes, odd zones) and
every header of the shared corpus's messages that check reads."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.utils import getaddresses, parsedate_tz

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import corpus_files
from newsletter.document.as_written import (addresses_in, blank_date, first_value, header_text, header_texts,
                                            plain_addresses, plain_message_id, unreadable_date, written_text)
from newsletter.document.load import Folders
from newsletter.placement import CheckOptions, check_paths

_POLICY = Folders().message_policy  # the policy check parses messages with
_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")  # placement's form (signals._MESSAGE_ID)


def _parsed(name: str, value: str, unreadable: str) -> str | None:
    """The parsed header's text, `unreadable` when the parse failed as the readers catch it
    (None: it raised what nothing caught, a traceback)."""
    try:
        return str(_POLICY.header_fetch_parse(name, value))
    except (ValueError, IndexError, TypeError):
        return unreadable
    except OverflowError:
        return None


def _parsed_text(name: str, value: str) -> str | None:
    """What placement read before (`signals._Headers`)."""
    text = _parsed(name, value, "")
    return " ".join(text.split()) if text is not None else None


def _lint_text(name: str, value: str | None) -> str | None:
    """What lint's H003/H004 read before (`lint.headers._header`)."""
    text = _parsed(name, value, "?") if value is not None else ""
    return text.strip() if text is not None else None


def _assert_date_as_parsed(value: str) -> None:
    before = _parsed_text("Date", value)
    if before is None:  # the parse raised (a zone too large for a datetime): now read, no traceback
        assert isinstance(unreadable_date(value), bool)
        return
    assert unreadable_date(value) == bool(before and parsedate_tz(before) is None), value
    assert blank_date(value) == (not _lint_text("Date", value)), value


def _assert_message_id_as_parsed(value: str) -> None:
    if plain_message_id(value):  # then the parse gives it back unchanged: present, in form
        before = _parsed_text("Message-ID", value)
        assert before == value.replace("\r", "").replace("\n", "") and _MESSAGE_ID.match(before), value
        assert _lint_text("Message-ID", value), value


_SPACE = st.sampled_from([" ", "  ", "\t", "\r\n ", "\n\t", "\r", ""])
_WORD = st.sampled_from(["Mon,", "lun.,", "Lundi", "mardi,", "Tue", "1", "01", "31", "32", "0", "Jan", "janv.",
                         "Février", "FEB", "dec", "2024", "24", "99", "1999", "10:00", "10:00:60", "9.30",
                         "23:59:59", "25:61", "+0100", "-0000", "+0000", "CET", "(CET)", "GMT", "UT", "EDT",
                         "+99999999999999999999", "-2400", "1-Jan-2024", "€", "« soldes »", "-50 %", "été",
                         "\udcc3\udca9", "=?utf-8?q?=C3=A9t=C3=A9?=", ",", ":", "\u00a0", "\u2028", "x"])
_DATES = st.one_of(
    st.builds(lambda parts, spaces: "".join(p + s for p, s in zip(parts, spaces)),
              st.lists(_WORD, max_size=8), st.lists(_SPACE, min_size=8, max_size=8)),
    st.builds("{}, {} {} {} {}:{}:{} {}".format,
              st.sampled_from(["Mon", "Thu", "dim."]), st.integers(0, 40), st.sampled_from(["Jan", "Aug", "août"]),
              st.integers(0, 10000), st.integers(0, 30), st.integers(0, 70), st.integers(0, 70),
              st.sampled_from(["+0100", "-0500", "-0000", "PST", "Z", "", "+2400", "+0099"])),
    st.text(max_size=40),
)
_ATEXT = st.text(st.sampled_from("abcXYZ019!#$%&'*+/=?^_`{|}~-"), min_size=1, max_size=6)
_ODD = st.sampled_from([".", "..", " ", "\r\n ", "(commentaire)", '"quoted"', "[127.0.0.1]", "é", "€", "<", ">",
                        "@", ",", ";", "\\", "\udcc3", "=?utf-8?q?=C3=A9?=", ""])
_MESSAGE_IDS = st.one_of(
    st.builds(lambda l1, l2, r1, r2, dots: f"<{l1}{'.' if dots else ''}{l2}@{r1}.{r2}>", _ATEXT, _ATEXT, _ATEXT,
              _ATEXT, st.booleans()),
    st.builds(lambda parts: "".join(parts), st.lists(st.one_of(_ATEXT, _ODD), max_size=10)),
    st.text(max_size=30),
)


@settings(max_examples=3000, deadline=None)
@given(_DATES)
@example("Mon, 1 Jan\r2024 10:00:00 +0100")  # a lone line break is removed, not a space: unreadable
@example("Mon, 1 Jan 2024\r\n 10:00:00 +0100")
def test_a_date_judged_as_written_says_what_its_parse_said(value: str) -> None:
    _assert_date_as_parsed(value)


@settings(max_examples=3000, deadline=None)
@given(_MESSAGE_IDS)
@example("<a@b\r.c>")
def test_a_plain_message_id_is_what_its_parse_gives_back(value: str) -> None:
    _assert_message_id_as_parsed(value)


_NAME_WORD = st.sampled_from(["Jean", "Dupont", "Boutique", "SOLDES", "-50%", "Été", "€", "«", "»", "Amazon.fr",
                              '"Service client"', '"A, B"', '"x.fr"', '"a\\"b"', '""', '"Jean  Dupont"', '"(Paris)"',
                              "(commentaire)", "=?utf-8?q?=C3=89t=C3=A9?=", "\udcc3", "", "x'y", "Ça&Co"])
_LOCAL = st.sampled_from(["jean", "jean.dupont", "a+b", "service-client", "x..y", ".x", '"a b"', "é"])
_DOMAIN = st.sampled_from(["boutique.fr", "example.com", "b", "[127.0.0.1]", "shop..fr", "ex ample.fr"])
_MAILBOXES = st.builds(
    lambda name, local, domain, bracketed, gap: (f"{gap.join(name)}{gap if name else ''}<{local}@{domain}>"
                                                 if bracketed or name else f"{local}@{domain}"),
    st.lists(_NAME_WORD, max_size=3), _LOCAL, _DOMAIN, st.booleans(), st.sampled_from([" ", "  ", "\t", "\r\n ", ""]))
_ADDRESS_VALUES = st.one_of(
    st.builds(lambda boxes, comma: comma.join(boxes), st.lists(_MAILBOXES, min_size=1, max_size=3),
              st.sampled_from([", ", ",", " , ", ",\r\n "])),
    st.sampled_from(["undisclosed-recipients:;", "Amis: a@b.fr, c@d.fr;", "", " "]),
    st.text(max_size=30),
)


@settings(max_examples=3000, deadline=None)
@given(_ADDRESS_VALUES, st.sampled_from(["From", "To", "Reply-To"]))
@example("Jean Dupont <jean@boutique.fr>, service@boutique.fr", "To")
@example("=?utf-8?q?=C3=89t=C3=A9?= <a@b.fr>", "From")  # atext, but an encoded word: parsed
@example('"Team R Street" <feedback@rstreet.org> ', "From")
@example('<a@b.fr>, "Boutique (Paris)" <c@d.fr>,  e@f.fr', "To")
def test_plain_addresses_are_what_their_parse_gives_back(value: str, name: str) -> None:
    plain = plain_addresses(value)
    if plain is not None:
        assert plain == str(_POLICY.header_fetch_parse(name, value)), value


_READ = ("From", "To", "Reply-To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Feedback-ID",
         "In-Reply-To", "References", "Authentication-Results", "ARC-Authentication-Results", "X-Mailer")


def _outcome(read):
    """What a read gives, or the type of what it raises (the parse raises on some values)."""
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - compared, not hidden
        return type(error)


def _assert_texts_as_parsed(message) -> None:
    for name in _READ:
        assert _outcome(lambda: header_texts(message, name)) == _outcome(
            lambda: [str(v) for v in message.get_all(name, [])])
        assert _outcome(lambda: header_text(message, name)) == _outcome(
            lambda: str(message[name]) if message[name] is not None else None)


_UNSTRUCTURED_VALUES = st.lists(st.one_of(_WORD, _NAME_WORD, _SPACE, st.sampled_from(["<https://boutique.fr/d?u=1>",
                                                                                      "List-Unsubscribe=One-Click",
                                                                                      "spf=pass", ";", "Re:", "Tr :"])),
                                max_size=8).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_UNSTRUCTURED_VALUES, st.sampled_from(["Subject", "List-Unsubscribe", "Authentication-Results", "X-Mailer"]))
@example("Soldes d'ete -50 %  \t jusqu'au 31", "Subject")
@example("=?utf-8?q?Soldes_d=E2=80=99=C3=A9t=C3=A9?=", "Subject")  # ASCII, but an encoded word: parsed
def test_a_plain_unstructured_value_is_what_its_parse_gives_back(value: str, name: str) -> None:
    written = written_text(_POLICY, name, value)
    if written is not None:
        assert written == str(_POLICY.header_fetch_parse(name, value)), value


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["From", "To", "Subject", "List-Unsubscribe"]),
                          st.one_of(_ADDRESS_VALUES, _UNSTRUCTURED_VALUES).filter(str.isprintable)), max_size=4))
def test_header_texts_are_what_get_and_get_all_give(headers) -> None:
    raw = "".join(f"{name}: {value}\r\n" for name, value in headers if value.strip()) + "\r\nBonjour\r\n"
    _assert_texts_as_parsed(message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=_POLICY))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(_ADDRESS_VALUES, max_size=3), min_size=1, max_size=4))
def test_addresses_worked_out_once_are_what_getaddresses_gives(asked) -> None:
    """Asked again (as lint and placement ask of the same From), in any order."""
    for texts in asked + asked[::-1]:
        assert addresses_in(texts) == tuple(getaddresses(texts))


def test_the_usual_forms_are_judged_without_a_parse() -> None:
    assert plain_addresses("Boutique Camille <bonjour@boutique.example.fr>, client@example.com")
    assert plain_addresses('"Boutique" <a@b.fr> ') == "Boutique <a@b.fr>"  # as the parse writes them
    assert plain_addresses('"Boutique.fr" <a@b.fr>, <c@d.fr>') == '"Boutique.fr" <a@b.fr>, c@d.fr'
    assert plain_addresses("Amazon.fr <a@b.fr>") is None and plain_addresses('"Été" <a@b.fr>') is None
    assert plain_message_id("<20261129.1042.commande@boutique.example.fr>")
    assert not plain_message_id("<a@b> (commentaire)") and not plain_message_id("<a..b@c>")
    assert not unreadable_date("Sun, 29 Nov 2026 09:00:00 +0100") and unreadable_date("29/11/2026 9h00")
    assert blank_date(None) and blank_date(" \r\n ") and not blank_date("lundi")


def test_a_date_whose_zone_is_too_large_is_read_without_a_traceback() -> None:
    """The parse raised OverflowError for such a zone, and check stopped with a traceback."""
    assert not unreadable_date("Mon, 1 Jan 2024 10:00:00 +99999999999999999999")
    with pytest.raises(OverflowError):
        _POLICY.header_fetch_parse("Date", "Mon, 1 Jan 2024 10:00:00 +99999999999999999999")


def test_check_reads_a_message_whose_date_zone_is_too_large(tmp_path) -> None:
    message = tmp_path / "commande.eml"
    message.write_bytes(b"From: Boutique <bonjour@boutique.example.fr>\r\nTo: camille@example.fr\r\n"
                        b"Subject: Votre commande n\xc2\xb0 1042\r\n"
                        b"Date: Mon, 1 Jan 2024 10:00:00 +99999999999999999999\r\n"
                        b"Message-ID: <1042@boutique.example.fr>\r\n\r\nBonjour Camille, merci !\r\n")
    (report,) = check_paths([message], CheckOptions(offline=True))
    assert report.signals.odd_headers == ()  # present, and read by parsedate_tz
    assert not [f for f in report.findings if f.rule in ("H003", "H004")]


def test_the_corpus_dates_and_message_ids_are_judged_as_their_parse_judged_them() -> None:
    files = corpus_files("**/*.eml")
    if not files:
        pytest.skip("the shared corpus is absent (NEWSLETTER_SHARED)")
    plain = 0
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=_POLICY)
        _assert_texts_as_parsed(message)
        date, message_id = first_value(message, "Date"), first_value(message, "Message-ID")
        if date is not None:
            _assert_date_as_parsed(date)
        assert blank_date(date) == (not _lint_text("Date", date))
        if message_id is not None:
            _assert_message_id_as_parsed(message_id)
            plain += plain_message_id(message_id)
    assert plain > len(files) // 2  # the fast way is the usual one
