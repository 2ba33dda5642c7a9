"""nougat backend: a tiny randomly initialised NougatModel saved to a folder and loaded through the backend
from the configured path; its text is garbage, the tests assert the wiring and the error mapping."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from auskunft.crawl import RawStore
from auskunft.errors import ConfigError, ModelNotAvailableError
from auskunft.extract import extract_document
from auskunft.extract.nougat_backend import NougatBackend
from auskunft.models import CrawlManifest, CrawlRecord, sha256_bytes, utcnow
from tests.conftest import DEMO_SITE
from tests.support.extraction import extract_run

SATZUNG = (DEMO_SITE / "dokumente" / "satzung.pdf").read_bytes()
URL = "http://localhost:8765/dokumente/satzung.pdf"


def record(body: bytes, url: str = URL, status: str = "new") -> CrawlRecord:
    return CrawlRecord(
        url=url,
        source="demo",
        status=status,
        content_type="application/pdf",  # type: ignore[arg-type]
        sha256=sha256_bytes(body),
        size=len(body),
    )


def test_missing_weights_say_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="NOUGAT_MODEL_PATH"):
        NougatBackend(None).start()
    with pytest.raises(ModelNotAvailableError, match="NOUGAT_MODEL_PATH"):
        NougatBackend(tmp_path / "nowhere").start()


def test_missing_weights_become_batch_failures(tmp_path: Path) -> None:
    RawStore(tmp_path / "raw").put(SATZUNG)
    manifest = CrawlManifest(source="demo", run_id="r1", started_at=utcnow(), records=[record(SATZUNG)])
    report = extract_run(manifest, tmp_path, pdf_backend="nougat", nougat_model_path=tmp_path / "none")
    assert report.documents == [] and len(report.failures) == 1
    assert "NOUGAT_MODEL_PATH" in report.failures[0].reason


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised nougat model a few hundred KB big, saved like a real checkpoint."""
    torch = pytest.importorskip("torch")
    from tokenizers import Tokenizer, models, pre_tokenizers

    from auskunft.extract.nougat_compat import import_nougat

    try:
        nougat = import_nougat()
    except ImportError:
        pytest.fail("the nougat extra is not installed (scripts/setup.sh installs .[dev,nougat])")
    folder = tmp_path_factory.mktemp("nougat-tiny")
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for word in "# § der die das und Satzung Verband Präsidium Euro 1 2 3".split():
        vocab[word] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(folder / "tokenizer.json"))
    config = nougat.NougatConfig(
        input_size=[128, 96],
        window_size=4,
        encoder_layer=[1, 1],
        decoder_layer=1,
        max_length=12,
        max_position_embeddings=32,
        name_or_path=str(folder),
        patch_size=4,
        embed_dim=16,
        num_heads=[1, 2],
        hidden_dimension=32,
    )
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # torch.meshgrid / generation-config notes from nougat and transformers
        nougat.NougatModel(config).save_pretrained(folder)
    return folder


@pytest.mark.nougat
def test_nougat_backend_runs_a_model_from_the_configured_path(tiny_model: Path, tmp_path: Path) -> None:
    moved = tmp_path / "weights"  # loaded from where the settings point, not where it was built
    moved.mkdir()
    for f in tiny_model.iterdir():
        (moved / f.name).write_bytes(f.read_bytes())
    backend = NougatBackend(moved, dpi=40)
    backend.start()
    backend.start()  # idempotent
    model = backend._model
    assert model is not None and Path(model.config.name_or_path) == moved
    calls: list[int] = []
    real = model.inference

    def spy(**kw):  # noqa: ANN003, ANN202 - records what the real inference got and returned
        out = real(**kw)
        calls.append(kw["image_tensors"].shape[0])
        assert len(out["predictions"]) == kw["image_tensors"].shape[0]
        assert out["sequences"].shape[0] == kw["image_tensors"].shape[0]  # tokens per page
        return out

    model.inference = spy  # type: ignore[method-assign]
    doc = extract_document(record(SATZUNG), SATZUNG, pdf_backend="nougat", nougat=backend)
    assert calls == [2, 1]  # 3 pages in batches of 2
    assert [p.number for p in doc.pages] == [1, 2, 3] and all(p.ocr for p in doc.pages)
    assert all(isinstance(p.markdown, str) for p in doc.pages)
    assert doc.extractor.startswith("pdf-nougat@") and doc.kind == "pdf"


@pytest.mark.nougat
def test_nougat_errors_are_mapped(tiny_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_model / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ModelNotAvailableError, match="cannot load the nougat model"):
        NougatBackend(broken).start()
    # a batch with the real model: good PDF extracted, a garbage PDF is a failure, the batch goes on
    garbage = b"%PDF-1.4 garbage"
    raw = RawStore(tmp_path / "raw")
    raw.put(SATZUNG)
    raw.put(garbage)
    manifest = CrawlManifest(
        source="demo",
        run_id="r1",
        started_at=utcnow(),
        records=[record(SATZUNG), record(garbage, url="http://localhost:8765/dokumente/kaputt.pdf")],
    )
    report = extract_run(manifest, tmp_path, pdf_backend="nougat", nougat_model_path=tiny_model)
    assert len(report.documents) == 1 and len(report.failures) == 1
    assert "unreadable PDF" in report.failures[0].reason


def test_nougat_not_installed_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import auskunft.extract.nougat_backend as nb

    def missing():  # noqa: ANN202 - what import_nougat raises without the extra
        raise ImportError("No module named 'nougat'")

    monkeypatch.setattr(nb, "import_nougat", missing)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"auskunft\[nougat\]"):
        NougatBackend(tmp_path).start()
