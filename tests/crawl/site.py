"""A fake ministry web site served on 127.0.0.1, built at test time from ../shared/pages.

Listing pages with pagination, an RSS feed, a sitemap index with a news sitemap, robots.txt
disallowing a folder, a slow page, a 500 then 200, a 429 with Retry-After, a page that
changes and one that disappears after `advance()`, redirects to private addresses, a 100 MB
response, a PDF and a PDF stub. Every request is logged.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PER_PAGE = 3
LISTED = (  # newest first, three per listing page
    "016", "027", "028",
    "025", "024", "001",
    "002", "015", "014",
    "019", "020",
)  # fmt: skip
SPECIAL = {
    "changing": "018",
    "vanishing": "017",
    "flaky": "021",
    "busy": "022",
    "slow": "029",
}
FEED_ONLY = "036"
SITEMAP_ONLY = "033"
GZIP_SITEMAP_ONLY = "032"
NEWS_SITEMAP_ONLY = "031"
HUGE_BYTES = 100 * 1024 * 1024
HUGE_PATH = "/press/huge-annual-statistics-report.html"


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    status: int = 0
    at: float = 0.0
    completed: bool = False


@dataclass
class Site:
    """Routes and state of the fake site; `server` is set once it is started."""

    pages: Path
    port: int = 0
    round: int = 0
    log: list[Logged] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    hold: threading.Event | None = None
    """When set, a request for /press/slow-… waits on `released` (for kill tests)."""
    released: threading.Event = field(default_factory=threading.Event)
    huge_sent: int = 0
    inflight: int = 0
    max_inflight: int = 0
    robots: bytes = b"User-agent: *\nDisallow: /private/\n"
    feed_type: str = "application/rss+xml"
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def advance(self) -> None:
        """Next crawl round: the changing page is edited, the vanishing page is gone."""
        self.round += 1

    def requests_for(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path]

    # content

    def _gold(self, number: str) -> dict[str, str]:
        path = next(self.pages.glob(f"{number}_*.json"))
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def page_body(self, number: str) -> bytes:
        gold = self._gold(number)
        return (self.pages / gold["file"]).read_bytes()

    def slug(self, number: str) -> str:
        return self._gold(number)["file"].removesuffix(".html").split("_", 1)[1]

    def title(self, number: str) -> str:
        return self._gold(number)["title"]

    def statement_path(self, number: str) -> str:
        for name, special in SPECIAL.items():
            if special == number:
                return f"/press/{name}-{self.slug(number)}.html"
        return f"/press/{self.slug(number)}.html"

    def listing(self, page: int) -> bytes:
        numbers = LISTED[(page - 1) * PER_PAGE : page * PER_PAGE]
        rows = [
            f'<li class="news-item"><span class="date">{self._gold(n)["date"]}</span> '
            f'<a href="{self.statement_path(n)}">{escape(self.title(n))}</a></li>'
            for n in numbers
        ]
        if page == 1:
            rows += [
                f'<li class="news-item"><a href="{self.statement_path(n)}">'
                f"{escape(self.title(n))}</a></li>"
                for n in SPECIAL.values()
            ]
            rows += [
                '<li class="news-item"><a href="/press/pm-programme-2021-speech.html">'
                "Speech on the economic, financial, social and cultural programme 2021</a></li>",
                '<li class="news-item"><a href="/docs/annual-foreign-policy-report.pdf">'
                "Annual foreign policy report of the ministry (PDF)</a></li>",
                '<li class="news-item"><a href="/private/press/internal-briefing-notes.html">'
                "Internal briefing notes for the press office staff</a></li>",
                '<li class="news-item"><a href="/press/redirect-to-internal-network.html">'
                "Statement moved to the internal network of the ministry</a></li>",
                '<li class="news-item"><a href="/press/redirect-to-cloud-metadata.html">'
                "Statement moved to the cloud metadata service address</a></li>",
                '<li class="news-item"><a href="/press/redirect-to-other-loopback.html">'
                "Statement moved to another loopback host of the ministry</a></li>",
                '<li class="news-item"><a href="/press/huge-annual-statistics-report.html">'
                "Huge annual statistics report of the foreign service</a></li>",
                '<li class="news-item"><a href="/press/photo-gallery-ministers-visit.html">'
                "Photo gallery of the minister's visit to the region</a></li>",
            ]
        pager = f'<a class="next" href="/press/?page={page + 1}">Next</a>' if page < 4 else ""
        return (
            "<!doctype html><html lang='en'><head><title>Press releases</title>"
            "<link rel='alternate' type='application/rss+xml' href='/feed.xml'></head><body>"
            "<nav><a href='/'>Home</a> <a href='/press/'>Press</a> <a href='/about/'>About</a>"
            f"</nav><main><h1>Press releases</h1><ul>{''.join(rows)}</ul>{pager}</main>"
            "<footer><a href='/contact/'>Contact</a></footer></body></html>"
        ).encode()

    def feed(self) -> bytes:
        items = [FEED_ONLY, *LISTED[:2]]
        entries = "".join(
            f"<item><title>{escape(self.title(n))}</title>"
            f"<link>{self.base}{self.statement_path(n)}</link>"
            f"<pubDate>{_rfc822(self._gold(n)['date'])}</pubDate></item>"
            for n in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Ministry press</title><link>{self.base}/press/</link>{entries}"
            "</channel></rss>"
        ).encode()

    def sitemap(self, name: str) -> bytes:
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if name == "index":
            body = (
                "".join(
                    f"<sitemap><loc>{self.base}/sitemap-{part}.xml</loc></sitemap>"
                    for part in ("pages", "news")
                )
                + f"<sitemap><loc>{self.base}/sitemap-archive.xml.gz</loc></sitemap>"
            )
            return f'<?xml version="1.0"?><sitemapindex {ns}>{body}</sitemapindex>'.encode()
        if name == "news":
            news = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
            number = NEWS_SITEMAP_ONLY
            entry = (
                f"<url><loc>{self.base}{self.statement_path(number)}</loc><news:news>"
                f"<news:publication_date>{self._gold(number)['date']}</news:publication_date>"
                f"<news:title>{escape(self.title(number))}</news:title></news:news></url>"
            )
            return f'<?xml version="1.0"?><urlset {ns} {news}>{entry}</urlset>'.encode()
        number = GZIP_SITEMAP_ONLY if name == "archive" else SITEMAP_ONLY
        entry = (
            f"<url><loc>{self.base}{self.statement_path(number)}</loc>"
            f"<lastmod>{self._gold(number)['date']}</lastmod></url>"
        )
        return f'<?xml version="1.0"?><urlset {ns}>{entry}</urlset>'.encode()

    def stub(self) -> bytes:
        body = self.page_body("009")
        return body.replace(b"http://localhost/discours_pmcg_en.pdf", b"/docs/discours_pmcg_en.pdf")

    def attachment(self) -> bytes:
        return next((self.pages / "attachments").glob("009_*.pdf")).read_bytes()

    def changed(self, number: str) -> bytes:
        body = self.page_body(number)
        first = self._gold(number)["gold_text_first_sentence"]
        edited = first.replace("boycott", "immediate boycott", 1)
        return body.replace(first.encode(), edited.encode())


def _rfc822(day: str) -> str:
    return formatdate(time.mktime(time.strptime(day, "%Y-%m-%d")), usegmt=True)


class Handler(BaseHTTPRequestHandler):
    site: Site
    counted: int = 0
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the site keeps its own log."""

    def do_GET(self) -> None:
        site = self.site
        entry = Logged(
            self.path, {k.lower(): v for k, v in self.headers.items()}, at=time.monotonic()
        )
        # A request is in flight until its last bytes are handed to the socket (the client may
        # send its next request before this thread runs again). The huge response goes on
        # being written after the client has hung up at its cap, so it is not counted.
        self.counted = int(self.path != HUGE_PATH)
        with site.lock:
            site.log.append(entry)
            site.hits[self.path] = site.hits.get(self.path, 0) + 1
            count = site.hits[self.path]
            site.inflight += self.counted
            site.max_inflight = max(site.max_inflight, site.inflight)
        try:
            self._route(entry, count)
            entry.completed = True
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self._landed()

    def _landed(self) -> None:
        with self.site.lock:
            self.site.inflight -= self.counted
            self.counted = 0

    def _route(self, entry: Logged, count: int) -> None:
        site, path = self.site, self.path
        if path == "/robots.txt":
            return self._send(entry, 200, site.robots, "text/plain")
        if path in ("/press/", "/press/?page=1") or path.startswith("/press/?page="):
            page = int(path.rsplit("=", 1)[1]) if "=" in path else 1
            return self._send(entry, 200, site.listing(page), "text/html; charset=utf-8")
        if path == "/feed.xml":
            return self._send(entry, 200, site.feed(), site.feed_type)
        if path == "/sitemap-archive.xml.gz":
            packed = gzip.compress(site.sitemap("archive"))
            return self._send(entry, 200, packed, "application/x-gzip")
        if path.startswith("/sitemap"):
            name = {"/sitemap.xml": "index", "/sitemap-news.xml": "news"}.get(path, "pages")
            return self._send(entry, 200, site.sitemap(name), "application/xml")
        if path == "/press/pm-programme-2021-speech.html":
            return self._send(entry, 200, site.stub(), "text/html; charset=utf-8")
        if path in ("/docs/discours_pmcg_en.pdf", "/docs/annual-foreign-policy-report.pdf"):
            return self._send(entry, 200, site.attachment(), "application/pdf")
        if path.startswith("/press/redirect-to-"):
            target = {
                "/press/redirect-to-internal-network.html": "http://10.0.0.1/press/x.html",
                "/press/redirect-to-cloud-metadata.html": "http://169.254.169.254/latest/meta-data/",
                "/press/redirect-to-other-loopback.html": f"http://127.0.0.2:{site.port}/press/",
            }[path]
            return self._send(entry, 302, b"", "text/html", {"Location": target})
        if path == "/press/photo-gallery-ministers-visit.html":
            gallery = (
                "<html><head><title>Photo gallery</title></head><body><h1>Photo gallery</h1>"
                + "".join(
                    f'<img src="/img/{i}.jpg" alt="The minister meets the delegation, photo {i}">'
                    for i in range(12)
                )
                + "</body></html>"
            )
            return self._send(entry, 200, gallery.encode(), "text/html; charset=utf-8")
        if path == HUGE_PATH:
            return self._huge(entry)
        return self._statement(entry, count)

    def _statement(self, entry: Logged, count: int) -> None:
        site, path = self.site, self.path
        by_path = {site.statement_path(n): n for n in (*LISTED, *SPECIAL.values())}
        extra = (FEED_ONLY, SITEMAP_ONLY, NEWS_SITEMAP_ONLY, GZIP_SITEMAP_ONLY)
        by_path |= {site.statement_path(n): n for n in extra}
        number = by_path.get(path)
        if number is None:
            return self._send(entry, 404, b"<h1>Not found</h1>", "text/html")
        kind = next((k for k, v in SPECIAL.items() if v == number), "")
        if kind == "flaky" and count == 1:
            return self._send(entry, 500, b"<h1>Internal error</h1>", "text/html")
        if kind == "busy" and count == 1:
            return self._send(entry, 429, b"slow down", "text/plain", {"Retry-After": "1"})
        if kind == "vanishing" and site.round > 0:
            return self._send(entry, 404, b"<h1>Not found</h1>", "text/html")
        if kind == "slow":
            if site.hold is not None:
                site.hold.set()
                site.released.wait(600)  # the test releases it (a bound, not a speed)
            time.sleep(0.3)
        body = (
            site.changed(number)
            if kind == "changing" and site.round > 0
            else site.page_body(number)
        )
        self._send(entry, 200, body, "text/html; charset=utf-8", conditional=True)

    def _huge(self, entry: Logged) -> None:
        entry.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = b"<p>" + b"statistics " * 6000 + b"</p>\n"
        sent = 0
        try:
            while sent < HUGE_BYTES:
                piece = chunk[: HUGE_BYTES - sent]
                self.wfile.write(piece)
                sent += len(piece)
        finally:
            self.site.huge_sent = sent
            self.close_connection = True

    def _send(
        self,
        entry: Logged,
        status: int,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
        conditional: bool = True,
    ) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if conditional and status == 200 and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        entry.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status in (200, 304):
            self.send_header("ETag", etag)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()
        self._landed()
        self.wfile.write(body)


def start(pages: Path) -> tuple[Site, ThreadingHTTPServer]:
    """Serve a new fake site on 127.0.0.1 (a free port) from a daemon thread."""
    site = Site(pages)
    handler = type("SiteHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site, server
