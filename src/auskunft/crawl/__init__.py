"""Crawling: sources -> raw store + manifest (crawl4ai for JS rendering, httpx for raw bytes)."""

from auskunft.crawl.crawler import crawl_source, run_sync
from auskunft.crawl.store import CrawlState, RawStore, load_manifest, save_manifest

__all__ = ["CrawlState", "RawStore", "crawl_source", "load_manifest", "run_sync", "save_manifest"]
