"""Readable diffs between the stored versions of a statement, for crawl reports, linking
(`communique show`, the statement page) and the API alike."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from communique.model import Version


def readable_diff(before: Version, after: Version) -> str:
    """A unified diff of two versions, one paragraph per line.

    Example:
        >>> from datetime import UTC, datetime
        >>> a = Version("s", "c1", datetime(2025, 1, 1, tzinfo=UTC), "T", "We call for talks.")
        >>> b = Version("s", "c2", datetime(2025, 1, 2, tzinfo=UTC), "T", "We call for peace.")
        >>> print(readable_diff(a, b).splitlines()[-2:])
        ['-We call for talks.', '+We call for peace.']
    """
    lines_before = [f"# {before.title}", *before.text.split("\n\n")]
    lines_after = [f"# {after.title}", *after.text.split("\n\n")]
    return "\n".join(
        difflib.unified_diff(
            lines_before,
            lines_after,
            f"{before.capture_id} {before.fetched_at:%Y-%m-%d %H:%M:%S}",
            f"{after.capture_id} {after.fetched_at:%Y-%m-%d %H:%M:%S}",
            lineterm="",
            n=1,
        )
    )


def version_diffs(versions: Sequence[Version]) -> list[tuple[Version, str | None]]:
    """Each version with the diff from the one before it (None for the first).

    Example:
        >>> from datetime import UTC, datetime
        >>> day = datetime(2025, 1, 1, tzinfo=UTC)
        >>> a, b = (Version("s", c, day, "T", t) for c, t in (("c1", "Talks."), ("c2", "Peace.")))
        >>> [(v.capture_id, d.splitlines()[-1] if d else d) for v, d in version_diffs([a, b])]
        [('c1', None), ('c2', '+Peace.')]
    """
    return [(v, readable_diff(versions[i - 1], v) if i else None) for i, v in enumerate(versions)]
