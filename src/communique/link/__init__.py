"""Linking: the copies, republications and translations of one statement."""

from communique.link.duplicates import (
    Link,
    Linker,
    Verdict,
    link_all,
    verify,
)
from communique.link.signing import Signature, signature, signatures

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
