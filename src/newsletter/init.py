"""Starting a project (`newsletter init`): configuration, the layout, the five starter templates with
their sample data, a recipients example, and the files that lint them in CI and before commits.

The starter files are the repository's own (`templates/`, `examples/`): the wheel carries a copy
made at build time (`[tool.hatch.build.targets.wheel.force-include]` in pyproject.toml, under
`newsletter/starter/`), and a source tree reads them where they are. The rest is written here
from the options: the shop's name, its sender address and the language of its mail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from .version import DISTRIBUTION
from .config import CONFIG_NAME
from .errors import NewsletterError
from .addresses import AddressError, parse_address
from .headers import describe, first_unsafe

LOCALES = ("fr", "en")
# Where the repository keeps a starter file (and the wheel, under newsletter/starter/) -> where a project gets it.
STARTER = {
    "templates": "templates",
    "examples/boutique/recipients.csv": "recipients.csv",
    "examples/ci/lint-templates.yml": ".github/workflows/lint-templates.yml",
}


@dataclass(frozen=True)
class InitOptions:
    shop: str = "Maison Lumière"  # the example shop's, so that a project made without questions renders as is
    sender: str = "bonjour@maison-lumiere.example"
    locale: str = "fr"
    force: bool = False  # replace files that are there


def init_project(folder: Path, options: InitOptions = InitOptions()) -> list[Path]:
    """Write a new project into `folder` (made if missing); returns the files written, in order.
    Refuses, before writing anything, to replace a file unless `options.force`."""
    domain = _check(options)
    files = {**_starter_files(), **_written_files(options, domain)}
    existing = [name for name in files if (folder / name).exists()]
    if existing and not options.force:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise NewsletterError(f"would replace {existing[0]}{more}", path=folder,
                              fix="choose an empty folder, or pass --force to replace them")
    written = []
    for name, content in files.items():
        target = folder / name
        data = content.read_bytes() if isinstance(content, Traversable) else content.encode("utf-8")
        if name.startswith("templates/") and name.endswith(".json"):
            data = _sample_data(data, options.shop, domain)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:
            raise NewsletterError(f"cannot write: {exc.strerror}", path=target,
                                  fix="give a folder you can write to (it is created if missing)") from None
        written.append(target)
    return written


def starter_root() -> Traversable:
    """The starter files: in the installed wheel, or in the repository this module runs from."""
    packaged = resources.files("newsletter") / "starter"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2]


def _starter_files() -> dict[str, Traversable]:
    root = starter_root()
    files: dict[str, Traversable] = {}
    for source, target in STARTER.items():
        node = root.joinpath(*source.split("/"))
        if node.is_dir():
            for relative, item in _walk(node):
                files[f"{target}/{relative}"] = item
        elif node.is_file():
            files[target] = node
        else:
            raise NewsletterError(f"the starter files are missing from this installation ({source})",
                                  fix=f"reinstall the package: pip install --force-reinstall {DISTRIBUTION}")
    return files


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found = []
    for item in sorted(folder.iterdir(), key=lambda node: node.name):
        if item.is_dir():
            found += _walk(item, f"{prefix}{item.name}/")
        elif not item.name.startswith("."):
            found.append((prefix + item.name, item))
    return found


def _check(options: InitOptions) -> str:
    """The sender's domain, once the options are known to make a valid configuration."""
    if options.locale not in LOCALES:
        raise NewsletterError(f"--locale must be one of {', '.join(LOCALES)}: {options.locale!r}")
    shop = options.shop.strip()
    character = first_unsafe(shop) if shop else None
    if not shop or character is not None:
        raise NewsletterError(f"--shop: {describe(character) + ' in' if character else 'an empty'} shop name",
                              fix="give the shop's name as customers know it")
    try:
        return parse_address(options.sender).domain
    except AddressError as exc:
        raise NewsletterError(f"--sender: {exc}", fix=exc.fix or "e.g. --sender news@shop.example") from None


def _written_files(options: InitOptions, domain: str) -> dict[str, str]:
    return {
        CONFIG_NAME: _configuration(options, domain),
        ".gitignore": _GITIGNORE,
        ".pre-commit-config.yaml": _PRE_COMMIT,
    }


def _configuration(options: InitOptions, domain: str) -> str:
    french = options.locale == "fr"
    shop = options.shop.strip()
    values = {
        "sender_name": shop,
        "sender_address": parse_address(options.sender).addr_spec,
        "unsubscribe_url": f"https://{domain}/{'desinscription' if french else 'unsubscribe'}?email={{{{ email | urlencode }}}}",
        "unsubscribe_mailto": f"{'desinscription' if french else 'unsubscribe'}@{domain}",
        "list_id": f"{'Lettre de ' + shop if french else shop + ' newsletter'} <{'lettre' if french else 'newsletter'}.{domain}>",
        "locale": options.locale,
    }
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return _CONFIG.format(shop=shop, values="\n".join(lines))


def _sample_data(data: bytes, shop: str, domain: str) -> bytes:
    """A starter template's sample data, with the project's shop name and web site."""
    sample = json.loads(data)
    if not isinstance(sample.get("shop"), dict):
        return data
    wanted = {"name": shop, "url": f"https://{domain}"}
    if all(sample["shop"].get(k) == v for k, v in wanted.items()):
        return data
    sample["shop"].update(wanted)
    return (json.dumps(sample, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_CONFIG = """\
# {shop}'s settings for `newsletter`: found from a template's folder upwards; command-line flags
# override them. Reference: newsletter --help, and each command's --help.
{values}

# Where `newsletter send` hands messages over: your relay or your email service's SMTP endpoint.
# The password is never written here: export NEWSLETTER_SMTP_PASSWORD (or name another variable
# with password_env), or type it when asked.
[smtp]
# host = "smtp.example.com:587"
# username = "newsletter@example.com"
# connections = 3
# rate = "20/s"
# domain_rate = "5/s"
"""

_GITIGNORE = """\
# Rendered messages and campaigns: newsletter render ... -o out/sale.eml, --out-dir out/campaign
/out/
# Addresses that bounced (newsletter send): customers' personal data, kept out of the repository
suppressions.jsonl
"""

_PRE_COMMIT = """\
# Lint the email templates before each commit: pip install pre-commit && pre-commit install
# (the hook runs the newsletter command installed where you commit: pip install {dist})
repos:
  - repo: local
    hooks:
      - id: newsletter-lint
        name: newsletter lint
        entry: newsletter lint
        language: system
        files: \\.(html?|jinja2?|j2|eml)$
        types: [file]
""".replace("{dist}", DISTRIBUTION)
