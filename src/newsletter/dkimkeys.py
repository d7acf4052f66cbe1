"""DKIM RSA key sizes (`checks/dkim-keys.toml`): the one value signing refuses under, auth reports
under and the bulk-sender rules require, and the size to recommend."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from .checkfiles import read_check


@dataclass(frozen=True)
class RsaKeySizes:
    min_bits: int  # under this a key is refused (signing) or its signature ignored (receivers)
    recommended_bits: int


@cache
def rsa_key_sizes() -> RsaKeySizes:
    table = tomllib.loads(read_check("dkim-keys.toml"))["rsa"]
    return RsaKeySizes(int(table["min_bits"]), int(table["recommended_bits"]))
