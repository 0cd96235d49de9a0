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

Most lines a capture brings are new to the site (its own paragraphs and text sample) and most
are forgotten without a second vote: a capture's new lines are stored as one row (a bundle,
`BUNDLE` and the capture's stamp, their keys in `bundled`), and a line gets a row of its own
once it has a second vote. A line's own row, where there is one, overrides its bundle's.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, OrderedDict
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


KEEP = 2048
"""Captures of a site after which a line that got no vote since is forgotten: a footer or a
menu gets a vote from nearly every capture and stays; a statement's own paragraphs and its
text sample are forgotten, so a site's table holds about its last `KEEP` captures' lines."""
FORGET_EVERY = 512
"""Lines are forgotten when a site's count of captures reaches a multiple of this: at fixed
points of the sequence of captures, so a rerun after a killed run forgets as a clean run."""


BUNDLE = "\x1fnew "
"""How the `line` of a bundle row starts (then the capture's stamp): no line key does."""


@dataclass(slots=True)
class _Line:
    pages: int
    """Votes: one for the line's first group, one for each capture of another group."""
    group: int | None
    """The group of the first capture that carried it (None: counted before groups)."""
    stamp: int
    """The site's count of captures when the line last got a vote (or appeared)."""


@dataclass
class _Site:
    counted: int
    """Captures of the site counted so far (the stored `site_hosts.counted`)."""
    lines: dict[str, _Line]
    """Every stored line of the site, by key."""


def group_id(capture_id: str) -> int:
    """The id of the group a capture starts: a number made from its id.

    Example:
        >>> group_id("0123456789abcdef0123") == group_id("0123456789abcdef0123") > 0
        True
    """
    return int.from_bytes(hashlib.blake2b(capture_id.encode(), digest_size=7).digest())


class SiteLines:
    """A store's sites as last read or written: each batch of pages reads only whether its
    sites changed since (their counts of captures) and reads a site's lines again only then
    (another process counted captures of it, or a write was rolled back)."""

    def __init__(self, sites: int = 16) -> None:
        self.limit = sites
        """Sites kept in memory (the most recently used)."""
        self.sites: OrderedDict[str, _Site] = OrderedDict()

    def observe_many(self, db: Db, pages: Sequence[SitePage]) -> list[dict[str, int]]:
        """Count `pages` in turn (see `SiteCounts.observe`) and store the counts, in the
        caller's write transaction."""
        try:
            counts = SiteCounts(db, pages, self)
            found = [counts.observe(page) for page in pages]
            counts.write(db)
        except BaseException:
            self.sites.clear()  # the write may be undone: read the sites again
            raise
        return found

    def site(self, db: Db, host: str) -> _Site:
        """The site `host` as stored, read again unless the one kept has its stored count;
        its row is locked (PostgreSQL) until the caller's transaction ends."""
        row = db.one(
            "INSERT INTO site_hosts (host, counted) VALUES (?, 0) ON CONFLICT (host)"
            " DO UPDATE SET counted = site_hosts.counted RETURNING counted",
            (host,),
        )
        counted = int(row["counted"]) if row is not None else 0
        kept = self.sites.pop(host, None)
        if kept is None or kept.counted != counted:
            kept = _Site(counted, stored_lines(db, host))
        self.sites[host] = kept
        while len(self.sites) > self.limit:
            self.sites.popitem(last=False)
        return kept


def stored_lines(db: Db, host: str) -> dict[str, _Line]:
    """The stored lines of `host` by key, bundles read out (see the module's note)."""
    rows = db.all("SELECT line, pages, grp, stamp, bundled FROM site_lines WHERE host = ?", (host,))
    lines: dict[str, _Line] = {}
    for row in rows:
        if row["bundled"] is not None:
            for key in json.loads(row["bundled"]):
                lines.setdefault(key, _Line(1, row["grp"], int(row["stamp"])))
    for row in rows:
        if row["bundled"] is None:
            lines[row["line"]] = _Line(int(row["pages"]), row["grp"], int(row["stamp"] or 0))
    return lines


class SiteCounts:
    """The sites a batch of pages touches, updated as its pages are observed in turn
    (`observe`), then written at once (`write`)."""

    def __init__(self, db: Db, pages: Sequence[SitePage], kept: SiteLines) -> None:
        captures: dict[str, set[str]] = {}
        for page in pages:
            captures.setdefault(page.host, set()).add(page.capture_id)
        self.sites = {host: kept.site(db, host) for host in sorted(captures)}
        self.known: dict[tuple[str, str], tuple[int | None, dict[str, int] | None]] = {}
        self.new_pages: list[tuple[str, str, int, str]] = []
        self.frozen: list[tuple[str, str, str]] = []
        self.forgotten: list[tuple[str, int]] = []
        self.changed: dict[str, dict[str, _Line]] = {}
        """The lines each site's pages voted for, by key."""
        self.bundles: list[tuple[str, int, int, list[str]]] = []
        """Each page's new lines: host, stamp, group, keys."""
        for host in captures:
            for row in db.all_in(
                "SELECT capture_id, grp, seen FROM site_pages WHERE host = ?"
                " AND capture_id IN ({marks})",
                sorted(captures[host]),
                (host,),
            ):
                seen = json.loads(row["seen"]) if row["seen"] is not None else None
                self.known[host, row["capture_id"]] = (row["grp"], seen)

    def observe(self, page: SitePage) -> dict[str, int]:
        """Count `page` (once, however often it comes) and return, for each of its judged
        keys, the votes of other groups: as they were when the page was first counted."""
        known = self.known.get((page.host, page.capture_id))
        if known is not None and known[1] is not None:
            return {key: known[1].get(key, 0) for key in page.judged}
        if known is not None:  # counted, then thawed by a reprocess: judged against all
            lines = self.sites[page.host].lines
            others = {
                key: max(line.pages - 1, 0) if (line := lines.get(key)) else 0
                for key in page.judged
            }
            self.frozen.append((page.host, page.capture_id, _frozen(others)))
        else:
            others = self._count(page)
        self.known[page.host, page.capture_id] = (None, {k: n for k, n in others.items() if n})
        return others

    def _count(self, page: SitePage) -> dict[str, int]:
        site = self.sites[page.host]
        group = self._group(site, page)
        site.counted += 1
        stamp = site.counted
        seen: dict[str, int] = {}  # the votes of other groups, where there are any
        lines = site.lines
        changed = self.changed.setdefault(page.host, {})
        new: list[str] = []
        for key in {*page.lines, *page.judged, *page.content}:
            line = lines.get(key)
            if line is None:
                lines[key] = _Line(1, group, stamp)
                new.append(key)
            elif line.group == group:
                seen[key] = line.pages - 1
            else:
                seen[key] = line.pages
                line.pages += 1
                line.stamp = stamp
                changed[key] = line
        if new:
            self.bundles.append((page.host, stamp, group, new))
        judged = {key: seen.get(key, 0) for key in page.judged}
        self.new_pages.append((page.host, page.capture_id, group, _frozen(judged)))
        if stamp % FORGET_EVERY == 0:
            self._forget(page.host, site, stamp - KEEP)
        return judged

    def _forget(self, host: str, site: _Site, before: int) -> None:
        """Forget the lines of `site` that got no vote after its capture `before`."""
        stale = [key for key, line in site.lines.items() if line.stamp <= before]
        for key in stale:
            del site.lines[key]
        self.forgotten.append((host, before))

    @staticmethod
    def _group(site: _Site, page: SitePage) -> int:
        """The earlier group whose text `page` carries most of, if enough, else its own."""
        shared: Counter[int] = Counter()
        total = 0
        for key in page.content:
            line = site.lines.get(key)
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
        """Store the pages counted, the sites' lines changed or forgotten and their counts of
        captures, and freeze what thawed pages saw."""
        db.executemany(
            "INSERT INTO site_pages (host, capture_id, grp, seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            self.new_pages,
        )
        db.executemany(
            "UPDATE site_pages SET seen = ? WHERE host = ? AND capture_id = ?",
            [(seen, host, capture_id) for host, capture_id, seen in self.frozen],
        )
        db.executemany("DELETE FROM site_lines WHERE host = ? AND stamp <= ?", self.forgotten)
        forgotten = dict(self.forgotten)  # each host's last: they grow
        rows: list[tuple[str, str, int, int | None, int, str | None]] = [
            (host, f"{BUNDLE}{stamp:012d}", 0, group, stamp, json.dumps(sorted(keys)))
            for host, stamp, group, keys in self.bundles
            if stamp > forgotten.get(host, 0)
        ]
        for host, lines in self.changed.items():
            kept = self.sites[host].lines
            rows += [
                (host, key, line.pages, line.group, line.stamp, None)
                for key, line in lines.items()
                if not self.forgotten or kept.get(key) is line  # not forgotten since
            ]
        rows.sort()  # in key order: the fewest index pages touched
        db.executemany(
            "INSERT INTO site_lines (host, line, pages, grp, stamp, bundled)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (host, line) DO UPDATE SET"
            " pages = excluded.pages, grp = excluded.grp, stamp = excluded.stamp,"
            " bundled = excluded.bundled",
            rows,
        )
        db.executemany(
            "UPDATE site_hosts SET counted = ? WHERE host = ?",
            [(site.counted, host) for host, site in self.sites.items()],
        )


def _frozen(others: Mapping[str, int]) -> str:
    """What a capture saw, as stored: its keys other groups carry."""
    if not any(others.values()):
        return "{}"
    return json.dumps({key: n for key, n in sorted(others.items()) if n}, separators=(",", ":"))


def thaw(db: Db) -> None:
    """Forget what every capture saw (in the caller's transaction): a reprocess judges each
    capture against all the others."""
    db.execute("UPDATE site_pages SET seen = NULL WHERE seen IS NOT NULL")
