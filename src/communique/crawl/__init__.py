"""Crawl the live web: source registry, discovery, frontier, versions and health."""
