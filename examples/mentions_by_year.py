"""Which countries do Azerbaijan's statements mention most, year by year?

Asks a communique server (`make demo` serves one at http://127.0.0.1:8000) for every statement
issued by a country, reads where each one names a country (its enrichment: places resolved to
countries), and prints the countries named most often per year of publication, with the number
of times (statements without a date are counted as "undated"):

    python examples/mentions_by_year.py --country AZ --top 5
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import pandas as pd
import pycountry

from communique.client import Client


def mentions_by_year(archive: Client, country: str, top: int) -> pd.DataFrame:
    """Per year, the `top` countries `country`'s statements name most often (itself left out)."""
    hits = archive.search(country=country, order="oldest").to_pandas()
    rows = [
        (str(published.year) if pd.notna(published) else "undated", place.country)
        for statement_id, published in zip(hits["id"], hits["published"], strict=True)
        for place in archive.enrichment(statement_id).places
        if place.feature == "country" and place.country and place.country != country
    ]
    counts = (
        pd.DataFrame(rows, columns=["year", "country"])
        .value_counts()
        .rename("mentions")
        .reset_index()
        .sort_values(["year", "mentions", "country"], ascending=[True, False, True])
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
            for c, n in zip(group["country"], group["mentions"], strict=True)
        )
        print(f"{year}: {named}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
