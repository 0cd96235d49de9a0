"""Linking: the copies, republications and translations of one statement."""

from communique.link.duplicates import (
    Link,
    Linker,
    Signature,
    Verdict,
    link_all,
    signature,
    signatures,
    verify,
)

__all__ = [
    "Link",
    "Linker",
    "Signature",
    "Verdict",
    "link_all",
    "signature",
    "signatures",
    "verify",
]
