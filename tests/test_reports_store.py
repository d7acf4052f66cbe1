"""Finding reports in files, archives, messages and mailboxes, within bounds, and keeping them in
the SQLite store once each."""

from __future__ import annotations

import gzip
import importlib
import mailbox
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import CORPUS, requires_shared
from newsletter.errors import NewsletterError
from newsletter.reports import Imported, ReportStore, Skipped, import_reports
from reports_helpers import (aggregate_xml, gzipped, record, report, report_message, tls_json, write,
                             zipped)

XML = aggregate_xml(report())


def imported(paths, store):
    return list(import_reports(paths, store))


def test_every_container_is_read(tmp_path):
    folder = tmp_path / "in"
    write(folder / "a.xml", aggregate_xml(report("plain")))
    write(folder / "b.xml.gz", gzipped(aggregate_xml(report("gzipped"))))
    write(folder / "c.zip", zipped({"c.xml": aggregate_xml(report("zipped"))}))
    write(folder / "d.eml", report_message(gzipped(aggregate_xml(report("attached"))), "google.com!d!1!2.xml.gz"))
    write(folder / "e.json", tls_json("tls-plain"))
    write(folder / "f.eml", report_message(gzipped(tls_json("tls-attached")), "google.com!f.json.gz",
                                            subtype="tlsrpt+gzip"))
    write(folder / "g.bin", gzipped(zipped({"g.xml": aggregate_xml(report("zip-in-gzip"))})))
    with ReportStore(tmp_path / "r.db") as store:
        outcomes = imported([folder], store)
    assert [o.report_id for o in outcomes] == ["plain", "gzipped", "zipped", "attached", "tls-plain",
                                               "tls-attached", "zip-in-gzip"]
    assert all(isinstance(o, Imported) and o.new for o in outcomes)


def test_reading_the_same_mailbox_twice_counts_nothing_twice(tmp_path):
    box = mailbox.mbox(tmp_path / "rua.mbox")
    for number in range(3):
        box.add(report_message(gzipped(aggregate_xml(report(f"r-{number}"))), f"r{number}.xml.gz"))
    box.add(report_message(zipped({"r0.xml": aggregate_xml(report("r-0"))}), "r0.zip", subtype="zip"))  # resent
    box.flush()
    with ReportStore(tmp_path / "r.db") as store:
        first = imported([tmp_path / "rua.mbox"], store)
        second = imported([tmp_path / "rua.mbox"], store)
        messages = store.db.execute("SELECT sum(count) FROM dmarc_row").fetchone()[0]
    assert [o.new for o in first] == [True, True, True, False]
    assert [o.new for o in second] == [False] * 4
    assert [o.location for o in first][:1] == ["rua.mbox: message 1: r0.xml.gz"] or \
        first[0].location.endswith("rua.mbox: message 1: r0.xml.gz")
    assert messages == 3 * 10


def test_a_maildir_is_read_message_by_message(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(report_message(gzipped(aggregate_xml(report("new-one"))), "a.xml.gz"))
    box.add(b"From: someone@example.com\nSubject: hello\n\nnot a report\n")
    with ReportStore(tmp_path / "r.db") as store:
        outcomes = imported([tmp_path / "Maildir"], store)
    assert sorted(type(o).__name__ for o in outcomes) == ["Imported", "Skipped"]
    skipped = next(o for o in outcomes if isinstance(o, Skipped))
    assert "no DMARC aggregate or SMTP TLS report attached (subject: 'hello')" in str(skipped)


@requires_shared
def test_the_shared_samples_nice_input_in_three_containers_is_one_report(tmp_path):
    folder = CORPUS / "reports" / "extract_report"
    with ReportStore(tmp_path / "r.db") as store:
        outcomes = imported([folder / "nice-input.xml", folder / "nice-input.xml.gz", folder / "nice-input.xml.zip"],
                            store)
        stored = store.db.execute("SELECT count(*) FROM report").fetchone()[0]
    assert [o.new for o in outcomes] == [True, False, False] and stored == 1


@requires_shared
def test_the_shared_folder_reads_all_valid_and_skips_each_invalid_with_its_reason(tmp_path):
    with ReportStore(tmp_path / "r.db") as store:
        outcomes = imported([CORPUS / "reports"], store)
    skipped = {o.location.rsplit("/", 1)[-1]: o.what for o in outcomes if isinstance(o, Skipped)}
    read = [o for o in outcomes if isinstance(o, Imported)]
    assert skipped.pop("invalid_xml.xml").startswith("invalid XML")
    assert skipped.pop("invalid_utf_8.xml").startswith("invalid XML: Invalid bytes")
    assert "not one of" in skipped.pop("report_with_upper_cased_pass.xml")
    assert skipped.pop("empty.xml") == "empty file: no report in it"
    assert skipped.pop("LICENSE.parsedmarc").startswith("not a report")
    assert set(skipped.values()) == {"a DMARC failure (forensic) report: not read"}  # the five of failure/
    assert len(skipped) == 5
    assert len(read) == 25 and sum(o.new for o in read) == 23  # nice-input.xml.gz and .zip: the same report
    assert any(o.location.endswith(".xml.gz") and "mimecast" in o.location for o in read)  # trailing CRLF


def test_a_gzip_with_bytes_after_its_end_is_read(tmp_path):
    write(tmp_path / "a.xml.gz", gzipped(XML) + b"\r\n")
    write(tmp_path / "b.xml.gz", gzipped(XML[:100]) + gzipped(XML[100:]))  # two members, as gzip allows
    with ReportStore(tmp_path / "r.db") as store:
        outcomes = imported([tmp_path / "a.xml.gz", tmp_path / "b.xml.gz"], store)
    assert [type(o).__name__ for o in outcomes] == ["Imported", "Imported"]


def test_a_truncated_gzip_is_refused(tmp_path):
    write(tmp_path / "a.xml.gz", gzipped(XML)[:-20])
    with ReportStore(tmp_path / "r.db") as store:
        (outcome,) = imported([tmp_path / "a.xml.gz"], store)
    assert isinstance(outcome, Skipped) and "corrupt compressed data" in outcome.what


@pytest.fixture
def small_limits(monkeypatch):
    values = {"max_decompressed_bytes": 100_000, "max_archive_members": 3, "max_nesting": 3,
              "max_message_bytes": 50_000}
    module = importlib.import_module("newsletter.reports.unpack")
    real = module.limit
    monkeypatch.setattr(module, "limit", lambda name: values.get(name) or real(name))


def test_a_gzip_bomb_is_refused(tmp_path, small_limits):
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = bomb.compress(b"<feedback>" + b" " * 10_000_000) + bomb.flush()
    assert len(data) < 20_000
    write(tmp_path / "bomb.xml.gz", data)
    with ReportStore(tmp_path / "r.db") as store:
        (outcome,) = imported([tmp_path / "bomb.xml.gz"], store)
    assert isinstance(outcome, Skipped) and "decompresses to more than 100000 bytes" in outcome.what


def test_a_zip_bomb_is_refused(tmp_path, small_limits):
    write(tmp_path / "bomb.zip", zipped({"bomb.xml": b"<feedback>" + b" " * 10_000_000}))
    with ReportStore(tmp_path / "r.db") as store:
        (outcome,) = imported([tmp_path / "bomb.zip"], store)
    assert isinstance(outcome, Skipped) and "decompresses to more than" in outcome.what


def test_an_archive_of_many_files_is_refused(tmp_path, small_limits):
    write(tmp_path / "many.zip", zipped({f"{n}.xml": XML for n in range(4)}))
    with ReportStore(tmp_path / "r.db") as store:
        (outcome,) = imported([tmp_path / "many.zip"], store)
    assert "zip archive of 4 files: refused (at most 3)" in outcome.what


def test_containers_nested_too_deep_are_refused(tmp_path, small_limits):
    nested = gzipped(zipped({"a.zip": zipped({"b.xml.gz": gzipped(XML)})}))
    write(tmp_path / "nested.gz", nested)
    with ReportStore(tmp_path / "r.db") as store:
        (outcome,) = imported([tmp_path / "nested.gz"], store)
    assert "nested more than 3 deep" in outcome.what


def test_an_oversized_message_is_refused(tmp_path, small_limits):
    write(tmp_path / "big.eml", report_message(b"x" * 60_000, "a.xml", subtype="octet-stream"))
    with ReportStore(tmp_path / "r.db") as store:
        (outcome,) = imported([tmp_path / "big.eml"], store)
    assert "message larger than 50000 bytes" in outcome.what


def test_failure_reports_are_recognised_and_skipped(tmp_path):
    arf = (b"From: dmarc@receiver.example\nSubject: report\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/report; report-type=feedback-report; boundary=X\n\n--X\n"
           b"Content-Type: text/plain\n\nA message failed DMARC.\n--X\nContent-Type: message/feedback-report\n\n"
           b"Feedback-Type: auth-failure\n--X--\n")
    write(tmp_path / "ruf.eml", arf)
    with ReportStore(tmp_path / "r.db") as store:
        (outcome,) = imported([tmp_path / "ruf.eml"], store)
    assert outcome.what == "a DMARC failure (forensic) report: not read"


def test_a_bad_record_leaves_nothing_of_its_report_in_the_store(tmp_path):
    records = tuple(record(f"192.0.2.{n}") for n in range(1, 200)) + (record("192.0.2.250", dkim="Pass"),)
    write(tmp_path / "bad.xml", aggregate_xml(report("bad", records=records)).replace(
        b"<dkim>Pass</dkim>\n        <spf>", b"<dkim>Pass</dkim>\n        <spf>", 1))
    write(tmp_path / "good.xml", XML)
    with ReportStore(tmp_path / "r.db") as store:
        outcomes = imported([tmp_path / "bad.xml", tmp_path / "good.xml"], store)
        rows = store.db.execute("SELECT count(*) FROM dmarc_row").fetchone()[0]
        reports = [r[0] for r in store.db.execute("SELECT report_id FROM report")]
    assert isinstance(outcomes[0], Skipped) and "'Pass'" in outcomes[0].what
    assert reports == ["r-1"] and rows == 1


def test_reports_read_before_an_interruption_are_kept_whole(tmp_path):
    for n in range(3):
        write(tmp_path / "in" / f"{n}.xml", aggregate_xml(report(f"r-{n}", records=(record(), record("192.0.2.26")))))
    with pytest.raises(KeyboardInterrupt):
        with ReportStore(tmp_path / "r.db") as store:
            outcomes = import_reports([tmp_path / "in"], store)
            next(outcomes), next(outcomes)
            raise KeyboardInterrupt  # the user stops the reading after two reports
    other = sqlite3.connect(tmp_path / "r.db")  # another connection: only what was committed
    assert [r for (r,) in other.execute("SELECT report_id FROM report ORDER BY report_id")] == ["r-0", "r-1"]
    assert other.execute("SELECT count(*) FROM dmarc_row").fetchone()[0] == 4


def test_many_reports_are_committed_together(tmp_path):
    for n in range(5):
        write(tmp_path / "in" / f"{n}.xml", aggregate_xml(report(f"r-{n}")))
    with ReportStore(tmp_path / "r.db") as store:
        imported([tmp_path / "in"], store)
        assert store.db.in_transaction  # not one commit (one disk sync) a report
        other = sqlite3.connect(tmp_path / "r.db", timeout=0)
        assert other.execute("SELECT count(*) FROM report").fetchone()[0] == 0
    assert other.execute("SELECT count(*) FROM report").fetchone()[0] == 5


_PEAK = """
import re, sys
from pathlib import Path
from newsletter.reports import ReportStore, import_reports
with ReportStore(Path(sys.argv[2])) as store:
    (outcome,) = import_reports([Path(sys.argv[1])], store)
print(outcome.rows, re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
"""


def _streamed(tmp_path, megabytes: int) -> tuple[int, int]:
    """Rows stored and peak resident memory (KiB) of a fresh process streaming a report of about
    `megabytes` MB into a fresh store (VmHWM starts afresh at exec: nothing inherited)."""
    head, rest = aggregate_xml(report(f"big-{megabytes}")).split(b"<record>", 1)
    one, tail = rest.rsplit(b"</record>", 1)
    block = b"<record>" + one + b"</record>\n"
    path = tmp_path / f"big-{megabytes}.xml"
    with path.open("wb") as out:
        out.write(head)
        for _ in range(megabytes * 1_000_000 // len(block)):
            out.write(block)
        out.write(tail)
    done = subprocess.run([sys.executable, "-c", _PEAK, str(path), str(tmp_path / f"{megabytes}.db")],
                          capture_output=True, text=True, check=True)
    rows, peak = done.stdout.split()
    return int(rows), int(peak)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux) to read peak memory")
def test_a_report_four_times_larger_is_streamed_in_the_same_memory(tmp_path):
    small_rows, small_peak = _streamed(tmp_path, 4)
    big_rows, big_peak = _streamed(tmp_path, 16)
    assert big_rows > 3.9 * small_rows
    assert big_peak - small_peak < 4 * 1024, (small_peak, big_peak)  # KiB: flat, not 4x


def test_the_store_is_plain_sqlite_another_engine_reads(tmp_path):
    write(tmp_path / "a.xml", XML)
    with ReportStore(tmp_path / "r.db") as store:
        imported([tmp_path / "a.xml"], store)
    db = sqlite3.connect(tmp_path / "r.db")
    assert db.execute("SELECT r.domain, d.source_ip, d.count, d.dkim, d.spf FROM dmarc_row d "
                      "JOIN report r ON r.id = d.report").fetchall() == [("maison-lumiere.example", "192.0.2.25", 10,
                                                                          "pass", "pass")]


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    write(tmp_path / "junk.db", b"not sqlite at all, certainly not" * 10)
    with pytest.raises(NewsletterError, match="not a report store"):
        ReportStore(tmp_path / "other.db")
    with pytest.raises(NewsletterError, match="cannot open the report store"):
        ReportStore(tmp_path / "junk.db")


def test_gzip_helper_is_real_gzip():
    assert gzip.decompress(gzipped(XML)) == XML
