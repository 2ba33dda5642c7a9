"""The real chat service for the widget's browser tests: a small real index, the scripted fake LLM,
and `python -m service` on a free loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from auskunft.testing.service import running_service as service
from tests.support.dkpv import build_index
from tests.support.fake_llm import Behaviour, FakeLLM, fake_llm

DEFAULT_BEHAVIOUR = Behaviour(token_delay_s=0.05)  # streamed word by word, visibly


@dataclass
class ChatService:
    """A running service: its base URL, data folder (event log) and the fake LLM behind it."""

    base: str
    data_dir: Path
    llm: FakeLLM
    burst: int  # chat requests one session may send per minute
    log_path: Path
    website: str = ""  # origin of the copied demo website that embeds the widget (cross-origin)

    def url(self, path: str) -> str:
        return self.base + path

    def next_answer(self, text: str) -> None:
        """The LLM's next answer, streamed word by word."""
        self.llm.script(Behaviour(text=text, token_delay_s=0.02))

    def script_llm(self, *behaviours: Behaviour) -> None:
        self.llm.script(*behaviours)

    def reset_llm(self) -> None:
        """Drop scripted behaviours that were not used; back to the default streamed answer."""
        self.llm.reset()
        self.llm.default = DEFAULT_BEHAVIOUR

    def events(self, kind: str) -> list[dict]:
        out: list[dict] = []
        for f in sorted((self.data_dir / "events").glob("events-*.jsonl")):
            out += [
                e
                for e in map(json.loads, f.read_text(encoding="utf-8").splitlines())
                if e.get("kind") == kind
            ]
        return out

    def feedback_for(self, answer_id: str) -> tuple[str, str | None] | None:
        """Rating and comment the service recorded for an answer (from its event log)."""
        for e in reversed(self.events("feedback")):
            if e.get("answer_id") == answer_id:
                rating = {1: "up", -1: "down"}.get(e["rating"], e["rating"])  # the log stores +1/-1
                return str(rating), (e.get("comment") or None)
        return None


def embed_widget(site_dir: Path, service_base: str, *, lang: str = "de") -> None:
    """Add the one-line embed to every HTML page of a copied website."""
    tag = f'<script src="{service_base}/widget.js" data-lang="{lang}" data-title="DKPV-Auskunft" defer></script>'
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        page.write_text(html.replace("</body>", f"{tag}\n</body>", 1), encoding="utf-8")


@contextmanager
def running_service(
    work: Path, *, session_per_min: int = 4, website_origin: str = ""
) -> Iterator[ChatService]:
    """Index, fake LLM and `python -m service`, torn down afterwards. website_origin: allowed to embed (CORS)."""
    data_dir = work / "data"
    build_index(data_dir)
    with fake_llm() as llm:
        llm.default = DEFAULT_BEHAVIOUR
        env = {
            "LLM_MODEL": "fake-model",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "test-key",
            "RATE_LIMIT_IP_PER_MIN": "10000",
            "RATE_LIMIT_SESSION_PER_MIN": str(session_per_min),
            "LOG_LEVEL": "INFO",
            "WEBSITE_HOST": website_origin,
        }
        with service(data_dir, work / "sources.yml", cwd=work, env=env) as svc:
            yield ChatService(
                base=svc.url, data_dir=data_dir, llm=llm, burst=session_per_min, log_path=work / "service.log"
            )
