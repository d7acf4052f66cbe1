"""The benchmarks' harness and the page made from their results (issue 18)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import rounds  # noqa: E402
import tables  # noqa: E402


def test_docs_benchmarks_md_is_generated_and_current():
    current = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert current == tables.markdown(), "docs/benchmarks.md is stale: run python benchmarks/tables.py"


def test_the_readme_speed_tables_are_generated_and_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(tables.README_BLOCK.findall(text)) >= 1
    assert text == tables.readme(text), "the README's speed tables are stale: run python benchmarks/tables.py"


def test_every_benchmark_has_results_and_every_target_a_verdict():
    names = {path.stem for path in (ROOT / "benchmarks" / "results").glob("*.json")}
    assert {"bulk", "lint", "dns"} <= names


def test_rounds_alternate_and_ratios_are_taken_within_each_round():
    calls: list[str] = []
    speeds = {"a": iter([10.0, 20.0, 30.0]), "b": iter([5.0, 4.0, 30.0]), "c": iter([1.0, 8.0, 10.0])}

    def measure(key):
        def run():
            calls.append(key)
            return next(speeds[key])
        return run

    contenders = [rounds.Contender(key, key, measure(key)) for key in "abc"]
    rates = rounds.alternate(contenders, 3, log=lambda *_: None)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]  # each round starts one further
    assert rates == {"a": [10.0, 20.0, 30.0], "b": [5.0, 4.0, 30.0], "c": [1.0, 8.0, 10.0]}
    # Against the faster of b and c in each round, not the ratio of medians.
    assert rounds.ratio_rounds(rates, rounds.Ratio("x", "a", ("b", "c"))) == [2.0, 2.5, 1.0]
    data = rounds.results("t", contenders, rates, [rounds.Ratio("a/b", "a", "b", 2.0),
                                                   rounds.Ratio("c/a", "c", "a", 0.5, at_most=True)], [0.0, 0.0, 0.0])
    assert [(r["median"], r["met"]) for r in data["ratios"]] == [(2.0, True), (pytest.approx(0.333, abs=1e-3), True)]


def test_a_ratio_of_ratios_is_taken_within_each_round():
    rates = {"ours2": [15.0, 12.0], "ours1": [10.0, 10.0], "floor2": [30.0, 16.0], "floor1": [20.0, 10.0]}
    ours = rounds.Ratio("ours", "ours2", "ours1")
    floor = rounds.Ratio("floor", "floor2", "floor1")
    # ours scales 1.5× and 1.2×, the floor 1.5× and 1.6×: ours uses all of it, then three quarters
    assert rounds.ratio_rounds(rates, rounds.Ratio("share", ours, floor)) == [pytest.approx(1.0), pytest.approx(0.75)]


def test_the_least_python_yardstick_writes_ours_bytes(tmp_path):
    """The bulk benchmark's bound is only a bound if it writes the same messages as ours."""
    import json

    import bulk_benchmark
    from least_python import LeastPython, check_same_bytes

    data = json.loads(bulk_benchmark.DATA.read_text(encoding="utf-8"))
    recipients = bulk_benchmark.write_recipients(tmp_path / "list.csv", 60)
    least = LeastPython(bulk_benchmark.TEMPLATE, data)
    assert check_same_bytes(least, bulk_benchmark.TEMPLATE, recipients, data, tmp_path / "a") == 60
    least.label = "Unsubscribe"  # one word of the text part changed: the check sees it
    with pytest.raises(AssertionError, match="message 1 differs"):
        check_same_bytes(least, bulk_benchmark.TEMPLATE, recipients, data, tmp_path / "b")
