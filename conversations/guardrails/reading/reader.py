"""The reader: the project's MiniLM fine-tuned end to end on the written training sentences
and the messages of sixteen held-out evaluation sets (`finetune/build.LEARNED_SETS`) to read a
visitor's message as one of five kinds (crisis, warning signs, fraud, "is it really
you?", ordinary), shipped in the project as an int8 ONNX model (`model/reader.onnx`, checked
against `READER_SHA256` when it loads, as `corpus.embeddings` checks its model).

The classifier (`classifier`) reads a frozen embedding made for similarity, which blurs how a
thing is said; the reader's encoder itself was trained on the task, and reads unfamiliar
writing (dialects, run-on messages, recovery talk) much better (see `finetune/README.md` and
`evaluation/README.md`, looks 10 to 14). Built by `finetune/build.py` (needs torch, which the
project does not install). Reading a message costs one run of the model, about 1.3-2.6 ms for
a short message on one core, depending on the machine.
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

READER = Path(__file__).resolve().parent / "model" / "reader.onnx"
READER_SHA256 = "401a144f40f0e57fbbe84fc0ca7c8ca0a914c19c0e5058b4668fcc578d9cbf3b"
# Trained on texts of at most 128 tokens; a longer message is read up to this many.
MAX_TOKENS = 256

_session: ort.InferenceSession | None = None
_tokenizer: Tokenizer | None = None
_lock = threading.Lock()


def reader_probabilities(texts: list[str]) -> np.ndarray:
    """Each text's probabilities of the five kinds (`CLASSES`), shape (len(texts), 5): one run
    of the model for all of them. The texts should be normalised as the detector's are
    (`rules.text_normalise`): the reader was trained on such texts."""
    if not texts:
        return np.zeros((0, len(CLASSES)), dtype=np.float32)
    session, tokenizer = _loaded()
    input_ids, attention_mask = encodings_padded(tokenizer.encode_batch(texts))
    (probabilities,) = session.run(
        ["probs"], {"input_ids": input_ids, "attention_mask": attention_mask}
    )
    return np.asarray(probabilities, dtype=np.float32)


def _loaded() -> tuple[ort.InferenceSession, Tokenizer]:
    global _session, _tokenizer
    if _session is None or _tokenizer is None:
        with _lock:
            if _session is None or _tokenizer is None:
                _tokenizer = _tokenizer_load()
                _session = _session_load()
    return _session, _tokenizer


def _session_load() -> ort.InferenceSession:
    data = READER.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != READER_SHA256:
        raise EmbeddingModelError(
            f"The guardrails' reader {READER} has sha256 {digest}, expected {READER_SHA256}: "
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
