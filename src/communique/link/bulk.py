"""Linking a whole archive at once (`relink`): texts prepared in worker processes, copies and
translations found in memory, links written in batches.

Workers sign a batch of texts (exact key, MinHash, LSH bands) and take their facts while
this process links the batch before; the statements already linked are kept in compact
arrays (`Linker`, `FactIndex`), so that linking a text reads the store only for the texts
of candidates it verifies.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from communique.link.duplicates import Buckets
from communique.link.signing import SignedBatch, band_keys, minhashes, sign_arrays
from communique.link.text import shingle_hashes
from communique.link.translations import FACT_SHINGLE, agreement, facts


@dataclass(frozen=True)
class Prepared:
    """What the linker needs of a batch of texts, computed in a worker process."""

    signed: SignedBatch
    facts: list[tuple[str, ...]]
    fact_minhashes: npt.NDArray[np.uint32]
    """The MinHash of each text's facts (as `translations.fact_buckets` makes it)."""
    fact_bands: npt.NDArray[np.uint64]
    """Their LSH band keys (`signing.band_keys`)."""
    fact_codes: list[array[int]]
    """Each text's facts as `fact_codes` numbers (compact, for `FactIndex`)."""


def prepare(texts: list[str]) -> Prepared:
    """Sign texts and take their facts (run in worker processes by `signing.pipelined`).

    Example:
        >>> found = prepare(["On 8 May 2020 Armenia and Azerbaijan met in Moscow."])
        >>> found.signed.words, found.facts
        ([10], [('8', '2020', 'arme', 'azer', 'mosc')])
    """
    found = [facts(text) for text in texts]
    values = minhashes([shingle_hashes(sequence, FACT_SHINGLE) for sequence in found])
    codes = [fact_codes(sequence) for sequence in found]
    return Prepared(sign_arrays(texts), found, values, band_keys(values), codes)


_NUMBER = 1 << 31


def fact_codes(sequence: tuple[str, ...]) -> array[int]:
    """Facts as 32-bit numbers: a hash of each, its top bit set for a number.

    Equal facts always share a code, so that codes agree at least as much as the facts
    do (`maybe` relies on it); two facts that differ share one only by a hash collision.

    Example:
        >>> codes = fact_codes(("8", "2020", "arme"))
        >>> [code >= 1 << 31 for code in codes]
        [True, True, False]
    """
    return array(
        "I",
        (
            zlib.crc32(fact.encode()) | _NUMBER
            if fact.isdigit()
            else zlib.crc32(fact.encode()) & ~_NUMBER
            for fact in sequence
        ),
    )


class FactIndex:
    """Statements' fact signatures in memory, in LSH `Buckets` kept apart by language, and
    their facts as codes (`fact_codes`, 4 bytes a fact).

    Example:
        >>> found = prepare(["On 8 May 2020 Armenia and Azerbaijan met in Moscow on 10 May."] * 3)
        >>> index = FactIndex()
        >>> index.extend(["a", "b", "c"], ["en", "fr", "en"], found.fact_bands, found.fact_codes)
        [[], [('a', 'en')], [('b', 'fr')]]
    """

    def __init__(self) -> None:
        self.languages: dict[str, tuple[Buckets, list[str], array[int], array[int]]] = {}
        """Per language: buckets, ids, all codes one after another, where each starts."""

    def extend(
        self,
        ids: Sequence[str],
        languages: Sequence[str],
        bands: npt.NDArray[np.uint64],
        codes: Sequence[array[int]],
    ) -> list[list[tuple[str, str]]]:
        """Add statements (their ids, languages, fact band keys and codes) in order, and give
        each the statements added before it (also earlier in this call) in another language
        that share a band key and whose facts may be those of its own in another language
        (`maybe`): (id, language), by id. Candidates of the whole batch are found at once."""
        found: list[list[tuple[str, str]]] = [[] for _ in ids]
        if not found:
            return found
        spoken = np.array(languages, dtype=object)
        for language, (buckets, known, flat, starts) in self.languages.items():
            mine = np.flatnonzero(spoken != language)
            owners, rows = buckets.pairs(bands[mine])
            for owner, row in zip(mine[owners].tolist(), rows.tolist(), strict=True):
                end = starts[row + 1] if row + 1 < len(starts) else len(flat)
                if maybe(codes[owner], flat[starts[row] : end]):
                    found[owner].append((known[row], language))
        batch = Buckets()
        batch.add_run(np.arange(len(ids), dtype=np.uint32), bands)
        for owner, row in zip(*(part.tolist() for part in batch.pairs(bands)), strict=True):
            if row < owner and spoken[row] != spoken[owner] and maybe(codes[owner], codes[row]):
                found[owner].append((ids[row], languages[row]))
        for language in dict.fromkeys(languages):
            self._add(
                language,
                [row for row, lang in enumerate(languages) if lang == language],
                ids,
                bands,
                codes,
            )
        return [sorted(members) for members in found]

    def _add(
        self,
        language: str,
        rows: list[int],
        ids: Sequence[str],
        bands: npt.NDArray[np.uint64],
        codes: Sequence[array[int]],
    ) -> None:
        """Index these rows of a batch, all in `language`."""
        buckets, known, flat, starts = self.languages.setdefault(
            language, (Buckets(), [], array("I"), array("q"))
        )
        numbers = np.arange(len(known), len(known) + len(rows), dtype=np.uint32)
        buckets.add_run(numbers, bands[rows])
        for row in rows:
            known.append(ids[row])
            starts.append(len(flat))
            flat.extend(codes[row])


def maybe(first: array[int], second: array[int]) -> bool:
    """False when the facts these codes stand for cannot be translations (`compare`'s own
    `agreement`). Codes agree at least as much as the facts, so that no pair `compare`
    links is left out.

    Example:
        >>> one = fact_codes(("8", "2020", "arme", "azer", "mosc", "10", "9"))
        >>> maybe(one, one), maybe(one, fact_codes(("7", "2021", "arme", "azer", "mosc", "1")))
        (True, False)
    """
    return agreement(first, second, _numbers) is not None


def _numbers(codes: Sequence[int]) -> set[int]:
    """The codes of numbers among fact codes."""
    return {code for code in codes if code & _NUMBER}
