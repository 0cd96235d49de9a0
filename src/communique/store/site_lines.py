"""Per-site line counts for learned chrome, for both backends: who votes, and what a capture saw.

A line is site chrome when the site repeats it around DIFFERENT content. So captures vote by
group: a capture that carries at least `GROUP_SHARE` of its text from one earlier group of
the site (a republication of the same speech, a later version, a report quoting it; measured
on a sample of its sentences, so however its lines are broken) joins that group, and a line
counts one vote for its first group and one for each capture of another group that carries
it. A group's own paragraphs, however often it is republished, never count as chrome; a
footer carried by many different statements does.

What a capture saw is frozen when it is first counted (`site_pages.seen`): a capture counted by
a run that was then killed is judged on the rerun exactly as in a clean run, against the
captures before it, not against the whole run's counts. `clear_derived` (reprocess) thaws
every capture, so a reprocess judges each against all the others.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from communique.store.dialect import Db

GROUP_SHARE = 0.5
"""The share of a capture's text sample (its sentences not yet site-wide) first seen in one
earlier group from which the capture belongs to that group: a copy, not a page with chrome."""


class SitePage(NamedTuple):
    """One capture's lines, as a site's chrome is learned from them (see `extract.sitechrome`)."""

    host: str
    capture_id: str
    lines: Collection[str]
    """Keys of every line counted: the page's, its paragraphs', its title's."""
    judged: Collection[str] = ()
    """The keys the capture is judged by (its paragraphs' and title segments')."""
    content: Collection[str] = ()
    """Keys of a sample of its text's sentences, which tell the group it belongs to."""


@dataclass
class _Line:
    pages: int
    """Votes: one for the line's first group, one for each capture of another group."""
    group: int | None
    """The group of the first capture that carried it (None: counted before groups)."""
    added: int = 0
    """Votes added by this batch."""


def group_id(capture_id: str) -> int:
    """The id of the group a capture starts: a number made from its id.

    Example:
        >>> group_id("0123456789abcdef0123") == group_id("0123456789abcdef0123") > 0
        True
    """
    return int.from_bytes(hashlib.blake2b(capture_id.encode(), digest_size=7).digest())


class SiteCounts:
    """The stored counts a batch of pages touches, updated as its pages are observed in turn
    (`observe`), then written at once (`write`)."""

    def __init__(self, db: Db, pages: Sequence[SitePage]) -> None:
        captures: dict[str, set[str]] = {}
        keys: dict[str, set[str]] = {}
        for page in pages:
            captures.setdefault(page.host, set()).add(page.capture_id)
            keys.setdefault(page.host, set()).update(page.lines, page.judged, page.content)
        self.known: dict[tuple[str, str], tuple[int | None, dict[str, int] | None]] = {}
        self.lines: dict[tuple[str, str], _Line] = {}
        self.new_pages: list[tuple[str, str, int, str]] = []
        self.frozen: list[tuple[str, str, str]] = []
        for host in captures:
            for row in db.all_in(
                "SELECT capture_id, grp, seen FROM site_pages WHERE host = ?"
                " AND capture_id IN ({marks})",
                sorted(captures[host]),
                (host,),
            ):
                seen = json.loads(row["seen"]) if row["seen"] is not None else None
                self.known[host, row["capture_id"]] = (row["grp"], seen)
            for row in db.all_in(
                "SELECT line, pages, grp FROM site_lines WHERE host = ? AND line IN ({marks})",
                sorted(keys[host]),
                (host,),
            ):
                self.lines[host, row["line"]] = _Line(int(row["pages"]), row["grp"])

    def observe(self, page: SitePage) -> dict[str, int]:
        """Count `page` (once, however often it comes) and return, for each of its judged
        keys, the votes of other groups: as they were when the page was first counted."""
        known = self.known.get((page.host, page.capture_id))
        if known is not None and known[1] is not None:
            return {key: known[1].get(key, 0) for key in page.judged}
        if known is not None:  # counted, then thawed by a reprocess: judged against all
            others = {key: max(self._pages(page.host, key) - 1, 0) for key in page.judged}
            self.frozen.append((page.host, page.capture_id, _frozen(others)))
        else:
            others = self._count(page)
        self.known[page.host, page.capture_id] = (None, {k: n for k, n in others.items() if n})
        return others

    def _pages(self, host: str, key: str) -> int:
        line = self.lines.get((host, key))
        return line.pages if line is not None else 0

    def _count(self, page: SitePage) -> dict[str, int]:
        group = self._group(page)
        others: dict[str, int] = {}
        for key in {*page.lines, *page.judged, *page.content}:
            line = self.lines.setdefault((page.host, key), _Line(0, group))
            if line.pages and line.group == group:
                others[key] = line.pages - 1
            else:
                others[key] = line.pages
                line.pages += 1
                line.added += 1
        judged = {key: others[key] for key in page.judged}
        self.new_pages.append((page.host, page.capture_id, group, _frozen(judged)))
        return judged

    def _group(self, page: SitePage) -> int:
        """The earlier group whose text `page` carries most of, if enough, else its own."""
        shared: Counter[int] = Counter()
        total = 0
        for key in page.content:
            line = self.lines.get((page.host, key))
            if line is not None and line.pages >= 2:
                continue  # already carried by several groups: site-wide, tells no group
            total += 1
            if line is not None and line.group is not None:
                shared[line.group] += 1
        if shared:
            group, count = min(shared.items(), key=lambda item: (-item[1], item[0]))
            if count >= GROUP_SHARE * total:
                return group
        return group_id(page.capture_id)

    def write(self, db: Db) -> None:
        """Store the pages counted and the votes added, and freeze what thawed pages saw."""
        db.executemany(
            "INSERT INTO site_pages (host, capture_id, grp, seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            self.new_pages,
        )
        db.executemany(
            "UPDATE site_pages SET seen = ? WHERE host = ? AND capture_id = ?",
            [(seen, host, capture_id) for host, capture_id, seen in self.frozen],
        )
        db.executemany(
            "INSERT INTO site_lines (host, line, pages, grp) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (host, line) DO UPDATE SET pages = site_lines.pages + excluded.pages",
            [
                (host, key, line.added, line.group)
                for (host, key), line in sorted(self.lines.items())
                if line.added
            ],
        )


def _frozen(others: Mapping[str, int]) -> str:
    """What a capture saw, as stored: its keys other groups carry."""
    return json.dumps({key: n for key, n in sorted(others.items()) if n}, separators=(",", ":"))


def thaw(db: Db) -> None:
    """Forget what every capture saw (in the caller's transaction): a reprocess judges each
    capture against all the others."""
    db.execute("UPDATE site_pages SET seen = NULL WHERE seen IS NOT NULL")
