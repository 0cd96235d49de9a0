"""Linking a whole archive at once (`relink`): texts prepared in worker processes, copies and
translations found in memory, links written in batches.

Workers sign a batch of texts (exact key, MinHash, LSH bands) and take their facts while
this process links the batch before; the statements already linked are kept in compact
arrays (`Linker`, `FactIndex`), so that linking a text reads the store only for the texts
of candidates it verifies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from communique.link.duplicates import Buckets
from communique.link.signing import SignedBatch, band_keys, minhashes, sign_arrays
from communique.link.text import shingle_hashes
from communique.link.translations import FACT_SHINGLE, facts


@dataclass(frozen=True)
class Prepared:
    """What the linker needs of a batch of texts, computed in a worker process."""

    signed: SignedBatch
    facts: list[tuple[str, ...]]
    fact_minhashes: npt.NDArray[np.uint32]
    """The MinHash of each text's facts (as `translations.fact_buckets` makes it)."""
    fact_bands: npt.NDArray[np.uint64]
    """Their LSH band keys (`signing.band_keys`)."""


def prepare(texts: list[str]) -> Prepared:
    """Sign texts and take their facts (run in worker processes by `signing.pipelined`).

    Example:
        >>> found = prepare(["On 8 May 2020 Armenia and Azerbaijan met in Moscow."])
        >>> found.signed.words, found.facts
        ([10], [('8', '2020', 'arme', 'azer', 'mosc')])
    """
    found = [facts(text) for text in texts]
    values = minhashes([shingle_hashes(sequence, FACT_SHINGLE) for sequence in found])
    return Prepared(sign_arrays(texts), found, values, band_keys(values))


class FactIndex:
    """Statements' fact signatures in memory, in LSH `Buckets` kept apart by language.

    Example:
        >>> found = prepare(["On 8 May 2020 Armenia and Azerbaijan met in Moscow."])
        >>> index = FactIndex()
        >>> index.add("a", "en", found.fact_bands[0])
        >>> bands = found.fact_bands[0]
        >>> index.members(bands, "fr"), index.members(bands, "en")
        (['a'], [])
    """

    def __init__(self) -> None:
        self.languages: dict[str, tuple[Buckets, list[str]]] = {}

    def members(self, bands: npt.NDArray[np.uint64], language: str) -> list[str]:
        """The statements in other languages than `language` sharing a band key, by id."""
        return sorted(
            ids[row]
            for other, (buckets, ids) in self.languages.items()
            if other != language
            for row in buckets.query(bands).tolist()
        )

    def add(self, statement_id: str, language: str, bands: npt.NDArray[np.uint64]) -> None:
        buckets, ids = self.languages.setdefault(language, (Buckets(), []))
        buckets.insert(len(ids), bands)
        ids.append(statement_id)
