"""A real index of datasets/demo-site for service/eval tests (shared with bench/: auskunft.testing.demo_index)."""

from auskunft.testing.demo_index import DEMO_SITE, build_demo_data, copy_data, write_demo_sources

__all__ = ["DEMO_SITE", "build_demo_data", "copy_data", "write_demo_sources"]
