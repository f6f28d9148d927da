"""Train the guardrails' classifier (`classifier`), deterministically:

    .venv/bin/python -m conversations.guardrails.reading.train [--write]

Training sentences: `training/*.csv` (written for it), the development sets `dev/*.csv` and
the prototype sentences (`prototypes`: crisis, warning signs, fraud, disclosure, ordinary).
No evaluation set is trained on: any training sentence equal to, or nearly the same in
meaning as (cosine >= `EVAL_NEAR`), a message of `evaluation/` (all its sets) is left out,
and the count is printed.

Long messages are taught too: each sentence is also joined with one or two ordinary ones
(a fixed seed), the whole labelled as the sentence's kind, so risk said in one clause of a
long message is read as such.

Five-fold cross-validation (folds by sentence, joined messages built inside each fold)
reads the held-out sentences as at run time (whole and clause by clause, with the word
rules) and prints, for each kind, the recall and false alarms of the rules alone and of the
rules and classifier together at the lowest threshold at which the classifier adds at most
`FALSE_ALARMS` of the ordinary messages to those the rules flag. `--write` saves the model
to `model/classifier.npy` and prints its sha256 to pin in `classifier.WEIGHTS_SHA256` (the
thresholds go to `detection.THRESHOLDS`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

from conversations.guardrails.reading.classifier import Model

HERE = Path(__file__).resolve().parent
EVALUATION = HERE.parent / "evaluation"
SEED = 12
FOLDS = 5
EVAL_NEAR = 0.92
# The share of ordinary messages the classifier may flag, by kind, beyond those the word
# rules flag already, when choosing the thresholds (mostly hard negatives in the training
# set; the shares add up over the kinds).
FALSE_ALARMS = {"crisis": 0.02, "fraud": 0.005, "disclosure": 0.005}
L2 = 0.03
STEPS = 400
RATE = 0.01


def _setup() -> None:
    sys.path.insert(0, str(HERE.parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legacy.settings.base")
    import django

    django.setup()


def _csv_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["text"].strip(), row["category"].strip()) for row in csv.DictReader(handle)]


def training_rows() -> list[tuple[str, str]]:
    from conversations.guardrails.reading import prototypes

    rows: list[tuple[str, str]] = []
    for path in sorted((HERE / "training").glob("*.csv")) + sorted((HERE / "dev").glob("*.csv")):
        rows.extend(_csv_rows(path))
    for kind, sentences in (
        ("crisis", prototypes.CRISIS),
        ("warning", prototypes.BUILD_UP),
        ("fraud", prototypes.FRAUD),
        ("disclosure", prototypes.DISCLOSURE),
        ("ordinary", prototypes.ORDINARY),
    ):
        rows.extend((text, kind) for text in sentences)
    seen: set[str] = set()
    unique = []
    for text, kind in rows:
        key = _key(text)
        if key and key not in seen:
            seen.add(key)
            unique.append((text, kind))
    return unique


def evaluation_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(EVALUATION.rglob("*.csv")):
        texts.extend(text for text, _ in _csv_rows(path))
    for path in sorted(EVALUATION.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.extend(json.loads(line)["turns"])
    return texts


def _key(text: str) -> str:
    from conversations.guardrails.reading.rules import text_normalise

    return text_normalise(text).strip(" .!?")


def _joined(rows: list[tuple[str, str]], rng: np.random.Generator) -> list[tuple[str, str]]:
    """Each sentence joined with one or two ordinary ones, in a random place."""
    ordinary = [text for text, kind in rows if kind == "ordinary"]
    joiners = (". ", ", ", " and ", "\n", "... ", ". anyway ", " but ")
    out = []
    for text, kind in rows:
        others = [ordinary[i] for i in rng.choice(len(ordinary), size=rng.integers(1, 3))]
        parts = [*others]
        parts.insert(int(rng.integers(0, len(parts) + 1)), text)
        message = parts[0]
        for part in parts[1:]:
            message += joiners[int(rng.integers(0, len(joiners)))] + part
        out.append((message, kind))
    return out


_cache: dict[str, np.ndarray] = {}


def _vectors(texts: list[str]) -> np.ndarray:
    """Vectors of the normalised texts (as at run time), each embedded once per run."""
    from conversations.guardrails.reading.rules import text_normalise
    from corpus.embeddings import embed_passages

    plain = [text_normalise(text) for text in texts]
    new = sorted({text for text in plain if text not in _cache})
    if new:
        _cache.update(zip(new, embed_passages(new).astype(np.float64), strict=True))
    return np.array([_cache[text] for text in plain]).reshape(len(plain), -1)


def fit(vectors: np.ndarray, labels: np.ndarray) -> Model:
    """The network (one hidden layer, ReLU, softmax), classes weighted equally, L2 on the
    weights; full-batch Adam from a seeded start (deterministic). The vectors'
    standardisation is folded into the first layer."""
    from conversations.guardrails.reading.classifier import CLASSES, HIDDEN

    rng = np.random.default_rng(SEED)
    n, d = vectors.shape
    k = len(CLASSES)
    centre = vectors.mean(axis=0)
    scale = vectors.std(axis=0) + 1e-3
    x = (vectors - centre) / scale
    y = np.zeros((n, k))
    y[np.arange(n), labels] = 1.0
    counts = np.maximum(y.sum(axis=0), 1.0)
    sample = ((1.0 / counts[labels]) * (n / k))[:, None] / n
    params = [
        rng.normal(0.0, 1.0 / np.sqrt(d), (d, HIDDEN)), np.zeros(HIDDEN),
        rng.normal(0.0, 1.0 / np.sqrt(HIDDEN), (HIDDEN, k)), np.zeros(k),
    ]  # fmt: skip
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, STEPS + 1):
        w1, b1, w2, b2 = params
        hidden = np.maximum(x @ w1 + b1, 0.0)
        logits = hidden @ w2 + b2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) * sample
        g_hidden = (g @ w2.T) * (hidden > 0)
        grads = [x.T @ g_hidden + L2 * w1, g_hidden.sum(0), hidden.T @ g + L2 * w2, g.sum(0)]
        for i, grad in enumerate(grads):
            first[i] = 0.9 * first[i] + 0.1 * grad
            second[i] = 0.999 * second[i] + 0.001 * grad * grad
            corrected = first[i] / (1 - 0.9**step)
            params[i] -= RATE * corrected / (np.sqrt(second[i] / (1 - 0.999**step)) + 1e-8)
    w1, b1, w2, b2 = params
    return Model(
        hidden_weights=(w1 / scale[:, None]).astype(np.float32),
        hidden_bias=(b1 - (centre / scale) @ w1).astype(np.float32),
        out_weights=w2.astype(np.float32),
        out_bias=b2.astype(np.float32),
    )


def _read(model: Model, texts: list[str]) -> np.ndarray:
    """As at run time: the whole message, and each clause of a long one (the max); the
    warning column is the whole message's crisis and warning probability."""
    from conversations.guardrails.reading.classifier import CLASSES, clauses
    from conversations.guardrails.reading.rules import text_normalise

    whole = model.probabilities(_vectors(texts)).astype(np.float64)
    out = whole.copy()
    for i, text in enumerate(texts):
        parts = clauses(text_normalise(text))
        if parts:
            out[i] = np.maximum(out[i], model.probabilities(_vectors(parts)).max(axis=0))
    warning = CLASSES.index("warning")
    out[:, warning] = whole[:, CLASSES.index("crisis")] + whole[:, warning]
    return out


def _rules(texts: list[str]) -> np.ndarray:
    """Per text: the rules' crisis, fraud and disclosure scores, whether a request, and
    whether every crisis phrase was negated (`detection.rules_read`)."""
    from conversations.guardrails.detection import rules_read
    from conversations.guardrails.reading.rules import text_normalise

    found = [rules_read(text_normalise(text)) for text in texts]
    return np.array([[r.crisis, r.fraud, r.disclosure, r.asked, r.negated_only] for r in found])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="save and print the sha256")
    args = parser.parse_args()
    _setup()
    from conversations.guardrails.reading.classifier import CLASSES, WEIGHTS

    rows = training_rows()
    evaluation = evaluation_texts()
    keys = {_key(text) for text in evaluation}
    rows = [(text, kind) for text, kind in rows if _key(text) not in keys]
    vectors = _vectors([text for text, _ in rows])
    near = (vectors @ _vectors(evaluation).T).max(axis=1)
    kept = near < EVAL_NEAR
    print(f"left out as near an evaluation message: {int((~kept).sum())}")
    rows = [row for row, keep in zip(rows, kept, strict=True) if keep]
    vectors = vectors[kept]
    labels = np.array([CLASSES.index(kind) for _, kind in rows])
    counts = {kind: int((labels == i).sum()) for i, kind in enumerate(CLASSES)}
    print(f"training sentences {len(rows)}: {counts}")

    rng = np.random.default_rng(SEED)
    fold = rng.permutation(len(rows)) % FOLDS
    texts_out: list[str] = []
    scores_out: list[np.ndarray] = []
    labels_out: list[int] = []
    for k in range(FOLDS):
        train = [row for row, f in zip(rows, fold, strict=True) if f != k]
        test = [row for row, f in zip(rows, fold, strict=True) if f == k]
        joined = _joined(train, rng)
        x = np.vstack([vectors[fold != k], _vectors([text for text, _ in joined])])
        y = np.concatenate([labels[fold != k], [CLASSES.index(kind) for _, kind in joined]])
        model = fit(x, y)
        test = test + _joined(test, rng)
        texts_out.extend(text for text, _ in test)
        scores_out.append(_read(model, [text for text, _ in test]))
        labels_out.extend(CLASSES.index(kind) for _, kind in test)
    scores = np.vstack(scores_out)
    found = _rules(texts_out)
    thresholds = _calibrate(scores, found, np.array(labels_out))
    print("thresholds " + json.dumps(thresholds))

    if args.write:
        joined = _joined(rows, rng)
        x = np.vstack([vectors, _vectors([text for text, _ in joined])])
        y = np.concatenate([labels, [CLASSES.index(kind) for _, kind in joined]])
        flat = fit(x, y).flat()
        WEIGHTS.parent.mkdir(exist_ok=True)
        with WEIGHTS.open("wb") as handle:
            np.save(handle, flat, allow_pickle=False)
        print(f"wrote {WEIGHTS} sha256 {hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()}")


def _calibrate(scores: np.ndarray, found: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """For each kind, the lowest probability threshold at which the classifier flags at most
    `FALSE_ALARMS` of the ordinary messages beyond those the rules flag (cross-validated),
    with the recall and false alarms of both together there; the rules' own figures first."""
    from conversations.guardrails.reading.classifier import CLASSES

    ordinary = labels == CLASSES.index("ordinary")
    column = {"crisis": 0, "fraud": 1, "disclosure": 2}
    out = {}
    for kind, share in FALSE_ALARMS.items():
        i = CLASSES.index(kind)
        rule = found[:, column[kind]] >= 0.6
        allowed = scores[:, i] >= 0.0
        if kind == "crisis":
            allowed = found[:, 4] == 0  # a negated phrase caps the model
        if kind == "fraud":
            allowed = found[:, 3] == 1  # only a request
        mine = labels == i
        print(
            f"rules alone: {kind} recall {rule[mine].mean():.3f} "
            f"false_alarms {rule[ordinary].mean():.3f}"
        )
        chosen = 1.0
        for threshold in np.sort(np.unique(scores[ordinary & allowed & ~rule, i]))[::-1]:
            flagged = rule | (allowed & (scores[:, i] >= threshold))
            if flagged[ordinary].mean() - rule[ordinary].mean() > share:
                break
            chosen = float(threshold)
        chosen = float(np.ceil(chosen * 10000) / 10000)
        flagged = rule | (allowed & (scores[:, i] >= chosen))
        print(
            f"rules and classifier: {kind} recall {flagged[mine].mean():.3f} "
            f"false_alarms {flagged[ordinary].mean():.3f} (threshold {chosen:.4f})"
        )
        out[kind] = chosen
    return out
