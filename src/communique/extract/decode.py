"""Turn captured bytes into text: BOM, UTF-8, declared charset, sniffing, then replacement."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from communique.errors import InputError
from communique.extract.textutil import control_ratio

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def charset_param(content_type: str) -> str | None:
    """Return the `charset=` parameter of a Content-Type value, if any."""
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
    return match.group(1) if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def looks_binary(body: bytes) -> bool:
    """Return True if `body` is evidently not text: many NUL or other control bytes (a
    stray NUL, which a browser shows as U+FFFD, does not make a page binary)."""
    head = body[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > max(2, len(head) // 20)


def decode(body: bytes, declared: str | None = None, html: bool = False) -> str:
    """Decode `body` to text; never fails, falls back to UTF-8 with replacement."""
    return decode_named(body, declared, html)[0]


def decode_named(body: bytes, declared: str | None = None, html: bool = False) -> tuple[str, str]:
    """Decode `body` like `decode`, also naming the codec (`utf-8` only for plain UTF-8 bytes).

    Example:
        >>> decode_named("Café".encode()), decode_named(b"\\xef\\xbb\\xbfCaf\\xc3\\xa9")
        (('Café', 'utf-8'), ('Café', 'utf-8-sig'))
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[str | None] = [_codec(declared)]
    if html:
        match = _META_CHARSET.search(body[:4096])
        candidates.append(_codec(match.group(1).decode("ascii", "ignore")) if match else None)
    if _mostly_utf8(body, "utf-8" in candidates):  # stray bad bytes replaced where they stand
        return body.decode("utf-8", errors="replace"), REPLACED
    for codec in candidates:
        if codec and codec != "utf-8":
            try:
                return body.decode(codec), codec
            except (UnicodeDecodeError, LookupError):
                continue
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        text = body.decode(best.encoding, errors="replace")
        if control_ratio(text[:5000]) < 0.05:
            return text, best.encoding
    return body.decode("utf-8", errors="replace"), REPLACED


REPLACED = "utf-8-replaced"
"""The codec name of UTF-8 text in which invalid bytes were replaced (by U+FFFD)."""


_STRAY_BYTES = 3
"""Invalid byte sequences a page declared UTF-8 may hold and still be read as UTF-8 when it
has few other non-ASCII characters (more, and it is likely in another codec)."""


def _mostly_utf8(body: bytes, declared_utf8: bool = False) -> bool:
    """Whether `body` is UTF-8 but for a few stray bytes: far more valid multi-byte
    characters than invalid bytes (a legacy codec's text has almost no valid ones), or, when
    it is declared UTF-8, no more than `_STRAY_BYTES` invalid ones."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    wide = sum(1 for char in text if char > "\x7f" and char != "\ufffd")
    return bad * 4 <= wide or (declared_utf8 and bad <= _STRAY_BYTES)


def decoding_warnings(text: str, codec: str) -> tuple[str, ...]:
    """The warning to keep on a statement whose bytes were not all valid in their codec.

    Example:
        >>> decoding_warnings("a\ufffdb\ufffd", REPLACED)
        ('2 invalid UTF-8 byte sequences replaced by U+FFFD',)
    """
    count = text.count("\ufffd") if codec == REPLACED else 0
    return (f"{count} invalid UTF-8 byte sequences replaced by U+FFFD",) if count else ()


def decode_checked(body: bytes, declared: str | None, kind: str) -> str:
    """Decode `body`, raising `InputError` when it is empty or binary junk."""
    return decode_checked_named(body, declared, kind)[0]


def decode_checked_named(body: bytes, declared: str | None, kind: str) -> tuple[str, str]:
    """Decode `body` like `decode_checked`, also naming the codec (see `decode_named`)."""
    if not body.strip():
        raise InputError("empty file")
    if looks_binary(body):
        raise InputError(f"not {kind}: looks like binary data")
    text, codec = decode_named(body, declared, html=kind == "HTML")
    if control_ratio(text[:20000]) > 0.1:
        raise InputError(f"not {kind}: looks like binary data")
    return text.replace("\x00", "\ufffd"), codec  # as a browser shows it; no NUL is stored
