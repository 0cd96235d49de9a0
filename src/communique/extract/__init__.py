"""Extraction: one capture's bytes in, clean text and metadata out.

`extract(raw, source)` dispatches on the capture's content type; it raises
`InputError` for bytes that are not what they claim and `ExtractionError` when no
statement can be found, and never returns a bare None.
"""

from communique.extract.dispatch import extract

__all__ = ["extract"]
