"""From what the fetches came to, the NET findings. Pure: outcomes in, findings out."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Iterator, Mapping

from ..checkfiles import read_check
from ..findings import Finding, Location, finding
from ..images import ImageSize, image_size
from ..lint.model import LintInput
from .fetch import Outcome, Request
from .targets import Targets

ONE_CLICK_BODY = b"List-Unsubscribe=One-Click"  # RFC 8058 section 3.1


@dataclass(frozen=True)
class ImageRules:
    max_total_bytes: int
    max_width_ratio: float
    min_width_ratio: float


def not_fetched(message: str, where: Location) -> Finding:
    """NET002: a URL that could not be fetched (an error, or past the number fetched)."""
    return finding("NET002", message, where)


@cache
def image_rules() -> ImageRules:
    raw = tomllib.loads(read_check("network.toml"))
    return ImageRules(**raw["image"])


def requests_of(targets: Targets) -> list[Request]:
    """One request per URL: the unsubscribe URL first (POSTed as a mailbox provider does, kept
    when there are more URLs than the bound), then links and images; an image is read (its
    weight), a link only answered, a URL that is both read once."""
    images = {image.url for image in targets.images}
    requests = [Request(targets.unsubscribe, "POST", ONE_CLICK_BODY)] if targets.unsubscribe else []
    return requests + [Request(url, read_body=url in images) for url in dict.fromkeys(
        [link.url for link in targets.links] + [image.url for image in targets.images])]


def judge(item: LintInput, targets: Targets, outcomes: Mapping[Request, Outcome]) -> Iterator[Finding]:
    by_url = {request.url: outcome for request, outcome in outcomes.items() if request.method == "GET"}
    for link in targets.links:
        if link.url in by_url:
            yield from _answer(by_url[link.url], item.locate(link.element))
    total = 0
    for image in targets.images:
        outcome = by_url.get(image.url)
        if outcome is None:
            continue
        where = item.locate(image.element)
        if not any(link.url == image.url for link in targets.links):
            yield from _answer(outcome, where)
        if outcome.status is None or outcome.status >= 300:
            continue
        total += outcome.size or 0
        size = image_size(outcome.body[:65_536])
        yield from _image_fit(image.url, size, image.width, outcome, where)
    rules = image_rules()
    if total > rules.max_total_bytes:
        yield finding("NET007", f"the images weigh {_kb(total)} in total, over {_kb(rules.max_total_bytes)}", item.at())
    unsubscribe = next((o for r, o in outcomes.items() if r.method == "POST"), None)
    if unsubscribe is not None:
        yield from _one_click(unsubscribe, item)


def _answer(outcome: Outcome, where: Location) -> Iterator[Finding]:
    url = outcome.request.url
    if outcome.refused:
        yield finding("NET008", f"{url} not fetched: {outcome.refused}", where)
        return
    if outcome.error:
        yield not_fetched(f"{url}: {outcome.error}", where)
        return
    redirects = len(outcome.hops) - 1
    if redirects:
        yield finding("NET003", f"{url} redirects {redirects} time{'s' if redirects > 1 else ''} to {outcome.final_url}",
                      where)
        downgraded = next((after.url for before, after in zip(outcome.hops, outcome.hops[1:])
                           if before.url.lower().startswith("https:") and after.url.lower().startswith("http:")), None)
        if downgraded:
            yield finding("NET004", f"{url} redirects to {downgraded}", where)
    if outcome.status is not None and outcome.status >= 400:
        yield finding("NET001", f"{outcome.final_url} answers {outcome.status}", where)


def _image_fit(url: str, size: ImageSize | None, declared_width: int | None, outcome: Outcome,
               where: Location) -> Iterator[Finding]:
    if size is None or declared_width is None:
        return
    rules = image_rules()
    ratio = size.width / declared_width
    weight = f"{_kb(outcome.size)}{'+' if outcome.truncated else ''}" if outcome.size else "unknown weight"
    if ratio < rules.min_width_ratio:
        yield finding("NET006", f"{url} is {size.width}x{size.height} px ({weight}), shown {declared_width} px wide: "
                                "stretched and blurred", where)
    elif ratio > rules.max_width_ratio:
        yield finding("NET006", f"{url} is {size.width}x{size.height} px ({weight}), shown {declared_width} px wide: "
                                f"{ratio:.1f} times the width shown", where)


def _one_click(outcome: Outcome, item: LintInput) -> Iterator[Finding]:
    url = outcome.request.url
    where = item.at(1)
    if outcome.refused:
        yield finding("NET008", f"one-click unsubscribe {url} not fetched: {outcome.refused}", where)
    elif outcome.error:
        yield finding("NET005", f"one-click unsubscribe POST to {url} failed: {outcome.error}", where)
    elif outcome.status is not None and not 200 <= outcome.status < 300:
        yield finding("NET005", f"one-click unsubscribe POST to {url} answers {outcome.status}, not 2xx", where)


def _kb(size: int | None) -> str:
    return f"{(size or 0) / 1024:,.0f} KB"
