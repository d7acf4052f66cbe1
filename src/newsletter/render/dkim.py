"""DKIM signing of rendered messages with dkimpy: rsa-sha256 or ed25519-sha256 (RFC 8463).

The key file is a PEM RSA private key, or an Ed25519 private key: PEM (PKCS#8) or the base64
32-byte seed that dkimpy and RFC 8463 use.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from pathlib import Path

from ..dkimkeys import rsa_key_sizes
from ..errors import NewsletterError

# Headers the signature covers. Gmail's one-click unsubscribe needs List-Unsubscribe and
# List-Unsubscribe-Post to be signed (RFC 8058 section 4).
SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"mime-version",
    b"content-type", b"list-id", b"list-unsubscribe", b"list-unsubscribe-post",
)


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str | None  # d=; None: the sender's domain, filled in by `for_sender`
    key: bytes  # PEM for RSA, base64 seed for Ed25519
    algorithm: str  # "rsa-sha256" or "ed25519-sha256"

    @classmethod
    def from_file(cls, key_file: Path, selector: str, domain: str | None = None) -> "DkimSigner":
        try:
            data = key_file.read_bytes().strip()
        except OSError as exc:
            raise NewsletterError(f"cannot read the DKIM key: {exc.strerror}", path=key_file) from None
        if b"-----BEGIN" in data:
            return cls(selector, domain, *_from_pem(data, key_file))
        try:
            seed = base64.b64decode(data, validate=True)
        except ValueError:
            seed = b""
        if len(seed) != 32:
            raise NewsletterError(
                "not a DKIM private key", path=key_file,
                fix="give a PEM RSA or Ed25519 private key, or a base64 Ed25519 seed of 32 bytes",
            )
        return cls(selector, domain, data, "ed25519-sha256")

    def for_sender(self, sender_domain: str) -> "DkimSigner":
        """This signer with d= defaulting to the From domain (DMARC alignment wants it)."""
        return self if self.domain else replace(self, domain=sender_domain)

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header first."""
        import dkim

        present = {line.split(b":", 1)[0].strip().lower() for line in message.split(b"\r\n\r\n", 1)[0].split(b"\r\n") if b":" in line}
        signature = dkim.sign(
            message,
            self.selector.encode(),
            self.domain.encode(),
            self.key,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=self.algorithm.encode(),
            include_headers=[h for h in SIGNED_HEADERS if h in present],
        )
        return signature + message


def _from_pem(data: bytes, key_file: Path) -> tuple[bytes, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise NewsletterError(f"cannot load the DKIM key: {exc}", path=key_file,
                              fix="give an unencrypted PEM private key") from None
    if isinstance(key, rsa.RSAPrivateKey):
        sizes = rsa_key_sizes()
        if key.key_size < sizes.min_bits:
            raise NewsletterError(f"RSA key of {key.key_size} bits: receivers ignore DKIM keys under {sizes.min_bits} bits",
                                  path=key_file, fix=f"use a {sizes.recommended_bits}-bit key")
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
        return pem, "rsa-sha256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
        return base64.b64encode(seed), "ed25519-sha256"
    raise NewsletterError("the DKIM key is neither RSA nor Ed25519", path=key_file)
