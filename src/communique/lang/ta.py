"""Code the Tamil profile (`ta.toml`) names: the case forms of country names ("இந்தியாவின்")."""

_CASES = ("இன்", "உக்கு", "இல்", "உடன்")
"""Genitive, dative, locative and sociative endings, as written after a consonant."""
_SIGNS = {"இ": "\u0bbf", "உ": "\u0bc1"}
"""The vowel signs that write an ending's first vowel on the consonant before it."""


def name_forms(name: str) -> list[str]:
    """The genitive, dative, locative and sociative forms of a Tamil country name, by its ending.

    Example:
        >>> name_forms("இந்தியா")[:2], name_forms("பாகிஸ்தான்")[1], name_forms("இலங்கை")[1]
        (['இந்தியாவின்', 'இந்தியாவுக்கு'], 'பாகிஸ்தானுக்கு', 'இலங்கைக்கு')
    """
    last = name[-1:]
    if " " in name or not last:
        return []
    if last in "\u0bbe\u0bc0\u0bc2\u0bc7\u0bcb":  # a long vowel (ா ீ ூ ே ோ) takes வ
        return [_joined(name + "வ", ending) for ending in _CASES]
    if last in "\u0bc8\u0bbf":  # ை and ி take ய, and க்கு for the dative
        return [name + "க்கு" if e == "உக்கு" else _joined(name + "ய", e) for e in _CASES]
    if name.endswith("ம்"):  # நேபாளம் → நேபாளத்தின்
        return [_joined(name[:-2] + "த்த", ending) for ending in _CASES]
    if last in "\u0bcd\u0bc1":  # a bare consonant (ன்), or a final short உ that gives way
        return [_joined(name[:-1], ending) for ending in _CASES]
    return []


def _joined(stem: str, ending: str) -> str:
    """`stem`, ending in a consonant, and `ending`, its first vowel written as a sign on it."""
    return stem + _SIGNS[ending[0]] + ending[1:]
