"""The reader: the project's MiniLM fine-tuned end to end on the written training sentences
and the messages of sixteen held-out evaluation sets (`finetune/build.LEARNED_SETS`) to read a
visitor's message as one of five kinds (crisis, warning signs, fraud, "is it really
you?", ordinary), shipped in the project as int8 ONNX models (`READERS`, each checked against
its sha256 when it loads, as `corpus.embeddings` checks its model). Two of them, the same
build trained from two seeds: the reading is the mean of their probabilities, which read the
evaluation sets they do not learn from better than the first alone did (the second alone was
not measured; `evaluation/README.md`, look 16).

The classifier (`classifier`) reads a frozen embedding made for similarity, which blurs how a
thing is said; the reader's encoder itself was trained on the task, and reads unfamiliar
writing (dialects, run-on messages, recovery talk) much better (see `finetune/README.md` and
`evaluation/README.md`, looks 10 to 14). Built by `finetune/build.py` (needs torch, which the
project does not install). Reading a message costs one run of each model, about 1.3-2.6 ms
each for a short message on one core, depending on the machine.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from conversations.guardrails.reading.classifier import CLASSES
from corpus.embeddings import (
    TOKENIZER_PATH,
    EmbeddingModelError,
    encodings_padded,
    session_options,
)

MODELS = Path(__file__).resolve().parent / "model"
# (file, sha256): seed 0, built in session 17 (look 14); seed 1, built in session 22 (look 16),
# which also left out the sentences near `heldout21/`-`heldout28/`, written since.
READERS = (
    ("reader.onnx", "401a144f40f0e57fbbe84fc0ca7c8ca0a914c19c0e5058b4668fcc578d9cbf3b"),
    ("reader-seed1.onnx", "233f7c61c1ec95d5254de1d502f46c6a3668ccc7155aa3b95bf13c3f321b59c1"),
)
# Trained on texts of at most 128 tokens; a longer message is read up to this many.
MAX_TOKENS = 256

_sessions: list[ort.InferenceSession] | None = None
_tokenizer: Tokenizer | None = None
_lock = threading.Lock()


def reader_probabilities(texts: list[str]) -> np.ndarray:
    """Each text's probabilities of the five kinds (`CLASSES`), shape (len(texts), 5): the
    mean of the readers', one run of each for all of them. The texts should be normalised as
    the detector's are (`rules.text_normalise`): the readers were trained on such texts."""
    if not texts:
        return np.zeros((0, len(CLASSES)), dtype=np.float32)
    sessions, tokenizer = _loaded()
    input_ids, attention_mask = encodings_padded(tokenizer.encode_batch(texts))
    inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
    readings = [session.run(["probs"], inputs)[0] for session in sessions]
    return np.asarray(np.mean(readings, axis=0), dtype=np.float32)


def _loaded() -> tuple[list[ort.InferenceSession], Tokenizer]:
    global _sessions, _tokenizer
    if _sessions is None or _tokenizer is None:
        with _lock:
            if _sessions is None or _tokenizer is None:
                _tokenizer = _tokenizer_load()
                _sessions = [_session_load(name, sha256) for name, sha256 in READERS]
    return _sessions, _tokenizer


def _session_load(name: str, sha256: str) -> ort.InferenceSession:
    path = MODELS / name
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise EmbeddingModelError(
            f"The guardrails' reader {path} has sha256 {digest}, expected {sha256}: "
            "the file is corrupted or not the pinned build."
        )
    return ort.InferenceSession(
        data, sess_options=session_options(), providers=["CPUExecutionProvider"]
    )


def _tokenizer_load() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    return tokenizer
