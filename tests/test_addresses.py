"""The fast path for plain ASCII addresses gives exactly email-validator's verdicts (issue 18).

`plain_addr_spec` accepts an address only when email-validator accepts it too, and returns what
email-validator returns (local part, ASCII domain); everything else goes to email-validator, so
`parse_address` judges every address as email-validator alone would.
"""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsletter.addresses import (AddressError, _read_mailbox, _split_key, duplicate_key, parse_address,
                                  plain_addr_spec, split_mailbox)
from newsletter.headers import first_unsafe

ATEXT = "abcxyzABCXYZ0189!#$%&'*+/=?^_`{|}~-"
# Characters that make an address unusual or invalid: specials, spaces, controls, non-ASCII
# (fullwidth letters and dots that UTS-46 maps, an accent, a combining mark, a line separator).
HOSTILE = ' ."(),:;<>@[\\]\t\r\n\x00\x0b\x7f\x85éｅ．\u0301\u2028'
LABEL_CHARACTERS = "abcxyzABCXYZ0189-"
# Top-level domains: ordinary, all digits, ending in a digit, special-use (RFC 6761 and others),
# upper case, IDNA.
TLDS = ["com", "fr", "COM", "Fr", "123", "c0", "x1y", "test", "local", "localhost", "invalid",
        "arpa", "onion", "example", "xn--p1ai", "xn--zz", "ab--cd", ""]

atoms = st.text(st.sampled_from(ATEXT), min_size=0, max_size=12)
local_parts = st.one_of(
    st.lists(atoms, min_size=1, max_size=4).map(".".join),  # empty atoms: '..', leading dots
    st.sampled_from(["info", "Postmaster", "SALES", "abuse", "noc", "www", "a" * 64, "a" * 65]),
    st.text(st.sampled_from(ATEXT + HOSTILE), min_size=0, max_size=10),
)
labels = st.one_of(
    st.text(st.sampled_from(LABEL_CHARACTERS), min_size=0, max_size=10),
    st.sampled_from(["xn--bcher-kva", "xn--", "ab--c", "a--b", "-a", "a-", "a" * 63, "a" * 64, "bücher", "ｅｘａｍｐｌｅ"]),
    st.text(st.sampled_from(LABEL_CHARACTERS + HOSTILE), min_size=1, max_size=6),
)
domains = st.builds(lambda parts, tld: ".".join([*parts, tld]), st.lists(labels, min_size=0, max_size=4),
                    st.sampled_from(TLDS))
# Near-valid addresses, so that many reach the fast path's last tests.
plausible = st.builds(
    lambda atoms, parts, tld: ".".join(atoms) + "@" + ".".join([*parts, tld]),
    st.lists(st.text(st.sampled_from(ATEXT), min_size=1, max_size=12), min_size=1, max_size=3),
    st.lists(st.text(st.sampled_from(LABEL_CHARACTERS), min_size=1, max_size=12), min_size=1, max_size=3),
    st.sampled_from(TLDS),
)
addresses = st.one_of(
    plausible,
    st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains),
    st.builds(lambda local, domain, pad: f"{local}{'x' * pad}@{domain}", local_parts, domains,
              st.integers(150, 260)),  # around the 254-character limit
    st.text(st.sampled_from(ATEXT + HOSTILE + LABEL_CHARACTERS), max_size=30),
)

# Shapes from tests/test_headers.py and the bulk tests: what an attacker or a spreadsheet sends.
HOSTILE_SHAPES = [
    "bob@example.com x", "alice@example.com, mallory@evil.example", "a@example.com (x)",
    "alice@example.com>", "undisclosed: a@example.com;", "Zoe@EXAMPLE.com", "a@ｅｘａｍｐｌｅ.com",
    "b@bücher.example", "B@BÜCHER.EXAMPLE", "b@xn--bcher-kva.example", "Jean.Dupont@Example.COM",
    "u2@example.com\rBcc: evil@attacker.example", "eve\x0b@example.com", "eve@example.com\u2028",
    "zoe+soldes@example.fr", "o'brien@example.ie", '"quoted"@example.com', "a@[192.0.2.1]",
    "a@localhost", "a@mail.test", "a@example", "a@example.123", "a..b@example.com", ".a@example.com",
    "a.@example.com", "a@-example.com", "a@example-.com", "a@ex--ample.com", "a@xn--ample.com",
    "@example.com", "a@", "a@@example.com", "a@example..com", "a@.example.com", "a@example.com.",
    "INFO@example.com", "Info@Example.com",
]


def reference(addr_spec: str) -> tuple[str, str] | str:
    """email-validator's verdict: (local part, ASCII domain), or its error message."""
    try:
        valid = validate_email(addr_spec, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        return str(exc)
    return valid.local_part, valid.ascii_domain or valid.domain


def verdict(value: str) -> tuple[str, str] | str:
    try:
        address = parse_address(value)
    except AddressError as exc:
        return str(exc)
    return address.username, address.domain


@settings(max_examples=3000, deadline=None)
@given(addresses)
def test_the_fast_path_accepts_only_what_email_validator_accepts_and_returns_the_same(addr_spec):
    fast = plain_addr_spec(addr_spec)
    if fast is not None:
        assert fast == reference(addr_spec)


@pytest.mark.parametrize("addr_spec", HOSTILE_SHAPES)
def test_hostile_shapes_get_email_validators_verdict(addr_spec):
    fast = plain_addr_spec(addr_spec)
    if fast is not None:
        assert fast == reference(addr_spec)
    expected = reference(addr_spec)
    if isinstance(expected, tuple) and "@" in addr_spec and addr_spec.strip() == addr_spec:
        # A valid addr-spec that is one mailbox is parsed to what email-validator gives.
        try:
            assert verdict(addr_spec) == expected
        except AssertionError:
            assert not isinstance(verdict(addr_spec), tuple)  # refused earlier: not one mailbox


@settings(max_examples=1000, deadline=None)
@given(addresses)
@example("Zoe@EXAMPLE.com")
@example("a@ｅｘａｍｐｌｅ.com")
def test_parse_address_judges_every_address_as_email_validator_alone(addr_spec):
    """With the fast path, `parse_address` accepts and refuses exactly the addresses it refused
    with email-validator alone (rows refused earlier, as not one mailbox, aside)."""
    ours = verdict(addr_spec)
    expected = reference(addr_spec.strip())
    if isinstance(ours, tuple):
        assert ours == expected
    elif "not a valid email address" in ours:
        assert isinstance(expected, str) and expected in ours


@pytest.mark.parametrize("addr_spec, local, domain", [
    ("client123@example.com", "client123", "example.com"),
    ("Jean.Dupont@Example.COM", "Jean.Dupont", "example.com"),
    ("zoe+soldes@mail.example.fr", "zoe+soldes", "mail.example.fr"),
    ("o'brien@example.ie", "o'brien", "example.ie"),
    ("a-b_c@sub-domain.example.co.uk", "a-b_c", "sub-domain.example.co.uk"),
    ("a@" + "b" * 63 + ".example.com", "a", "b" * 63 + ".example.com"),  # a label at its limit
])
def test_ordinary_addresses_take_the_fast_path(addr_spec, local, domain):
    assert plain_addr_spec(addr_spec) == (local, domain) == reference(addr_spec)


@pytest.mark.parametrize("addr_spec", ["info@example.com", "a@bücher.example", "a@xn--bcher-kva.example",
                                       "a@mail.test", '"a b"@example.com', "a" * 250 + "@example.com",
                                       "a@" + "b" * 64 + ".example.com", "a@ab--cd.example.com"])
def test_unusual_addresses_go_to_email_validator(addr_spec):
    assert plain_addr_spec(addr_spec) is None


def _parse_address_by_splitting(value, display_name):
    """`parse_address` as it was, every value split first: the reference for its shortcut."""
    mailbox = split_mailbox(value)
    name = mailbox.display_name if display_name is None else display_name.strip()
    if first_unsafe(name) is not None:
        raise AddressError(f"unsafe character in the display name {name!r}")
    plain = plain_addr_spec(mailbox.addr_spec)
    if plain is not None:
        return (name, *plain)
    try:
        valid = validate_email(mailbox.addr_spec, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise AddressError("not a valid email address") from None
    return (name, valid.local_part, valid.ascii_domain or valid.domain)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(addresses, st.emails(), st.text(alphabet=st.sampled_from('ab@.<>" \té'), max_size=10)),
       st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["Zoé Lefèvre", " Zoé ", "a\x0bb"])))
def test_a_plain_address_alone_is_read_as_splitting_it_reads_it(value, display_name):
    def outcome(read):
        try:
            return read()
        except AddressError as exc:
            return type(exc), str(exc).split(" ")[0] == "not", " in the display name " in str(exc)

    def ours():
        address = parse_address(value, display_name)
        return (address.display_name, address.username, address.domain)

    assert outcome(ours) == outcome(lambda: _parse_address_by_splitting(value, display_name))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(addresses, st.text(alphabet=st.sampled_from('ab@.<>"(),; \u00a0\té'), max_size=12)))
def test_an_address_alone_is_split_as_the_full_reading_splits_it(value):
    def outcome(read):
        try:
            return read()
        except AddressError as exc:
            return str(exc)

    if first_unsafe(value) is None:
        assert outcome(lambda: split_mailbox(value)) == outcome(lambda: _read_mailbox(value, value.strip()))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(addresses, st.emails(),
                 st.text(alphabet=st.sampled_from('aZ09@.-_+<>"(),; \u00a0\té\x0b'), max_size=14),
                 st.builds(lambda pad, address: pad + address + pad, st.sampled_from(["", " ", "  "]), addresses)))
@example("A@EXAMPLE.COM")
@example("a@XN--BCHER-KVA.example")
@example("a@b@c.example")
@example("a@exa_mple.com")
@example("a@example..com")
@example("a@")
def test_a_plain_ascii_address_has_the_key_splitting_it_gives(value):
    """The shortcut (an ASCII address alone, lower-cased) against the full reading (split, IDNA)."""
    def outcome(key):
        try:
            return key(value)
        except AddressError as exc:
            return str(exc)

    assert outcome(duplicate_key) == outcome(_split_key)
