"""Which countries do Azerbaijan's statements mention most, year by year?

Asks a communique server (`make demo` serves one at http://127.0.0.1:8000) for every statement
issued by a country, reads which countries each one names (its enrichment), and prints the
most named per year of publication (statements without a date are counted as "undated"):

    python examples/mentions_by_year.py --country AZ --top 5
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import pandas as pd
import pycountry

from communique.client import Client


def mentions_by_year(archive: Client, country: str, top: int) -> pd.DataFrame:
    """Per year, the `top` countries named by most statements of `country` (itself left out)."""
    hits = archive.search(country=country, order="oldest").to_pandas()
    rows = [
        (str(published.year) if pd.notna(published) else "undated", named)
        for statement_id, published in zip(hits["id"], hits["published"], strict=True)
        for named in archive.enrichment(statement_id).countries
        if named != country
    ]
    counts = (
        pd.DataFrame(rows, columns=["year", "country"])
        .value_counts()
        .rename("statements")
        .reset_index()
        .sort_values(["year", "statements", "country"], ascending=[True, False, True])
    )
    return counts.groupby("year").head(top).reset_index(drop=True)


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return found.name if found else code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's root URL")
    parser.add_argument("--country", default="AZ", help="issuer country (ISO 3166-1 alpha-2)")
    parser.add_argument("--top", type=int, default=5, help="countries shown per year")
    args = parser.parse_args(argv)
    with Client(args.url) as archive:
        table = mentions_by_year(archive, args.country.upper(), args.top)
    if table.empty:
        print(f"no enriched statement issued by {args.country} mentions another country")
        return 0
    for year, group in table.groupby("year", sort=True):
        named = ", ".join(
            f"{country_name(c)} ({n})"
            for c, n in zip(group["country"], group["statements"], strict=True)
        )
        print(f"{year}: {named}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
