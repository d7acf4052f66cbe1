"""The starter templates carry valid Gmail markup of their own kind: no error, no warning."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from helpers import run_cli

STARTERS = [
    ("transactional/order-confirmation.html", "order.json", {"Order", "ViewAction"}),
    ("transactional/shipping-notification.html", "shipping.json", {"ParcelDelivery", "TrackAction"}),
    ("promotional/flash-sale.html", "sale.json", {"Organization", "DiscountOffer", "PromotionCard"}),
    ("promotional/newsletter.html", "sale.json", {"Organization"}),
]


@pytest.mark.parametrize("template, data, types", STARTERS, ids=[s[0] for s in STARTERS])
def test_starter_markup_is_valid(template, data, types):
    run = run_cli("markup", ROOT / "templates" / template, "--data", ROOT / "examples/boutique" / data,
                  "--now", "2026-12-01T00:00:00+01:00", "--format", "json")
    assert run.exit_code == 0, run.text
    report = json.loads(run.text)
    assert report["kind"] == template.split("/")[0]
    problems = [f for f in report["findings"] if f["severity"] != "info"]
    assert problems == []
    found = set()

    def collect(item):
        found.add(item["type"])
        for values in item["properties"].values():
            for value in values:
                if isinstance(value, dict) and "type" in value:
                    collect(value)

    for item in report["items"]:
        collect(item)
    assert types <= found
