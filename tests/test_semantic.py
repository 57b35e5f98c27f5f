"""The sentence encoder: hash-checked loading, a sane forward pass, and the lexical fallback."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest

from faq import semantic
from faq.semantic import Encoder, ModelUnavailableError, load_encoder_from


def test_embeddings_are_unit_vectors_and_related_questions_are_closer(encoder: Encoder) -> None:
    vectors = encoder.encode(
        ["how long does a session take", "what is the duration of the treatment", "I like cats"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def _zip_with(path: Path, weights: bytes, tokenizer: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.safetensors", weights)
        archive.writestr("tokenizer.json", tokenizer)
    return path


def test_a_tampered_model_fails_its_hash(tmp_path: Path) -> None:
    bad = _zip_with(tmp_path / "model.zip", b"\x08" + b"\0" * 7 + b"{}      ", b"{}")
    with pytest.raises(ModelUnavailableError, match="sha256"):
        load_encoder_from(bad)


def test_a_corrupt_zip_is_reported_not_raised_as_something_else(tmp_path: Path) -> None:
    bad = tmp_path / "model.zip"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ModelUnavailableError, match="cannot read"):
        load_encoder_from(bad)


def test_load_encoder_falls_back_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nowhere.zip"
    with caplog.at_level(logging.WARNING, logger="faq.semantic"):
        first = semantic.load_encoder(missing)
        second = semantic.load_encoder(missing)
    assert first[0] is None
    assert "lexical only" in first[1]
    assert second == first
    assert sum("lexical only" in r.getMessage() for r in caplog.records) == 1


def test_safetensors_reader_reads_little_endian_tensors() -> None:
    values = np.arange(6, dtype="<f4")
    header = b'{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}'
    data = len(header).to_bytes(8, "little") + header + values.tobytes()
    tensors = semantic.read_safetensors(data)
    assert tensors["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_safetensors_reader_rejects_a_bad_header() -> None:
    with pytest.raises(ModelUnavailableError, match="header"):
        semantic.read_safetensors((10**9).to_bytes(8, "little") + b"{}")


def test_a_batch_of_texts_of_different_lengths_embeds_each_as_it_would_alone(
    encoder: Encoder,
) -> None:
    texts = [
        "hi",
        "does it hurt",
        "My dermatologist mentioned microneedling for the dark spots on my cheeks, "
        "but she ran out of time to explain how many sessions I would need.",
    ]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([text])[0] for text in texts])
    assert np.allclose(together, alone, atol=1e-5)
