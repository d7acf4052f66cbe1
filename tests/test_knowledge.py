"""Knowledge is data: values the code once held in several places are read from one checks/ file."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from newsletter.dkimkeys import rsa_key_sizes

ROOT = Path(__file__).resolve().parents[1]
KEY_USERS = ("src/newsletter/auth/dkim.py", "src/newsletter/auth/bulk.py", "src/newsletter/render/dkim.py")


def test_rsa_key_sizes_come_from_checks():
    table = tomllib.loads((ROOT / "checks" / "dkim-keys.toml").read_text(encoding="utf-8"))["rsa"]
    sizes = rsa_key_sizes()
    assert (sizes.min_bits, sizes.recommended_bits) == (table["min_bits"], table["recommended_bits"])
    for path in KEY_USERS:  # no size typed in the code any more
        numbers = {node.value for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, int)}
        assert not {1024, 2048} & numbers, path


def test_dkim_findings_follow_the_sizes(monkeypatch):
    """DKIM004 under the minimum, DKIM005 under the recommended size, nothing at it; move the
    values and the findings move with them."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    import newsletter.auth.dkim as dkim_module
    from newsletter.auth import MemoryResolver, lookup_keys
    from newsletter.dkimkeys import RsaKeySizes

    def record(bits: int) -> str:
        public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        text = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
        return " ".join(f'"{text[i:i + 200]}"' for i in range(0, len(text), 200))  # TXT strings of 255 at most

    resolver = MemoryResolver({f"s{bits}._domainkey.shop.example": {"TXT": [record(bits)]} for bits in (1024, 2048)})

    def rules() -> dict[str, str]:
        _, findings = lookup_keys("shop.example", resolver, ("s1024", "s2048"))
        return {f.location.path.split(".")[0]: f.rule for f in findings if f.rule in ("DKIM004", "DKIM005")}

    assert rsa_key_sizes() == RsaKeySizes(1024, 2048) and rules() == {"s1024": "DKIM005"}
    monkeypatch.setattr(dkim_module, "rsa_key_sizes", lambda: RsaKeySizes(2048, 4096))
    assert rules() == {"s1024": "DKIM004", "s2048": "DKIM005"}
