"""Train the guardrails' classifier (`classifier`), deterministically:

    .venv/bin/python -m conversations.guardrails.reading.train [--write] [--cache FILE]

Training sentences: `training/*.csv` (written for it), the development sets `dev/*.csv` and
the prototype sentences (`prototypes`: crisis, warning signs, fraud, disclosure, ordinary).
No evaluation set is trained on: any training sentence equal to, or nearly the same in
meaning as (cosine >= `EVAL_NEAR`), a message of `evaluation/` (all its sets) is left out,
and the count is printed.

Each sentence is taught three ways (`_taught`): on its own; joined with one or two ordinary
ones (a fixed seed), the whole labelled as the sentence's kind, so risk said in one clause of
a long message is read as such; and with a number of ordinary talk put in (an age, a year, a
house number, "(52)"), so a number alone reads as nothing. Classes are weighted equally.

Without `--write`: five-fold cross-validation (folds by sentence, the other forms built
inside each fold) reads the held-out sentences as at run time (whole and clause by clause,
with the word rules and the prototypes) and prints, for each kind, the figures of the rules
and prototypes alone, then `detection.CONFIRM` (the classifier's confirmation they need to
alarm alone) and `detection.THRESHOLDS` (the classifier's own), each chosen on those folds,
never on an evaluation set, with the recall and false alarms at each step, for each share
of the word model (`lexical`) in `LEXICAL_WEIGHTS`; the share that catches most crisis is
printed as `classifier.LEXICAL_WEIGHT`, and its figures without reading clauses. The folds read the
neighbours' vote (`classifier.Neighbours`) over the other folds' sentences as written.
`--write` trains both models on every sentence, saves them to `model/classifier.npy` and
`model/lexical.npy`, the sentences' vectors and kinds to `model/neighbours.npy`, and prints
their sha256 to pin in `classifier.WEIGHTS_SHA256`, `classifier.LEXICAL_SHA256` and
`classifier.NEIGHBOURS_SHA256`; write them without `--cache` (vectors vary with their batch
in the third decimal).
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

from conversations.guardrails.reading.classifier import Model, Neighbours
from conversations.guardrails.reading.lexical import Lexical, lexical_fit

HERE = Path(__file__).resolve().parent
EVALUATION = HERE.parent / "evaluation"
SEED = 12
FOLDS = 5
EVAL_NEAR = 0.92
# The share of ordinary messages the classifier may flag, by kind, beyond those the word
# rules flag already, when choosing the thresholds (mostly hard negatives in the training
# set; the shares add up over the kinds).
FALSE_ALARMS = {"crisis": 0.02, "fraud": 0.005, "disclosure": 0.0025}
# What the rules and prototypes catch may lose at most this share of a kind's messages to
# the classifier's confirmation (`detection.CONFIRM`).
CONFIRM_LOSS = 0.01
L2 = 0.03
STEPS = 400
RATE = 0.01
# The word model (`lexical`): its training, and the shares of it tried by cross-validation
# (`classifier.LEXICAL_WEIGHT` is the one that catches most crisis at the same false alarms).
LEXICAL_L2 = 0.0001
LEXICAL_STEPS = 300
LEXICAL_RATE = 0.05
LEXICAL_WEIGHTS = (0.0, 0.3, 0.5, 0.7)


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


def evaluation_sets() -> list[Path]:
    """The folders of the evaluation sets: the project's own (`evaluation/` itself) and each
    held-out set under it."""
    return [EVALUATION, *sorted(path.parent for path in EVALUATION.glob("*/messages.csv"))]


def evaluation_texts(sets: list[Path] | None = None) -> list[str]:
    """The messages and conversation turns of these evaluation sets (all by default)."""
    texts: list[str] = []
    for folder in evaluation_sets() if sets is None else sets:
        for path in sorted(folder.glob("*.csv")):
            texts.extend(text for text, _ in _csv_rows(path))
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.extend(json.loads(line)["turns"])
    return texts


def evaluation_left_out(
    rows: list[tuple[str, str]], sets: list[Path] | None = None
) -> list[tuple[str, str]]:
    """The rows neither equal (by `_key`) nor near in meaning (cosine >= `EVAL_NEAR`) to a
    message of these evaluation sets (all by default), with how many were left out each way
    printed. The evaluation messages are only compared here, never printed or kept. (Also
    used by the reader's build, `finetune/build.py`, which learns from some sets and is
    measured on the others.)"""
    evaluation = evaluation_texts(sets)
    keys = {_key(text) for text in evaluation}
    unequal = [(text, kind) for text, kind in rows if _key(text) not in keys]
    # The rows first, then the evaluation messages: a text's vector varies with its batch.
    vectors = _vectors([text for text, _ in unequal])
    near = (vectors @ _vectors(evaluation).T).max(axis=1)
    kept = [row for row, cosine in zip(unequal, near, strict=True) if cosine < EVAL_NEAR]
    print(
        f"left out as equal to an evaluation message: {len(rows) - len(unequal)}, "
        f"as near one: {len(unequal) - len(kept)}"
    )
    return kept


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


# Numbers said in ordinary talk (ages, years, house and bus numbers, a count in brackets):
# every sentence, whatever its kind, is also taught with one of these put in, so a number on
# its own reads as nothing (without them, a stray "(52)" read as a request for a code).
_NUMBERS = (
    " ({n})",
    " in 19{y}",
    ", I was {n} then",
    " at number {n}",
    " on the {n}th",
    ", {n} years ago",
    " back in 20{z}",
    " - {n}",
    " {n}",
    ", about {n} quid",
    " when you were {n}",
    " on the {n} bus",
    " ({n} today)",
    ", room {n}",
)


def _numbered(rows: list[tuple[str, str]], rng: np.random.Generator) -> list[tuple[str, str]]:
    """Each sentence with a number of ordinary talk put in at its end or its start."""
    out = []
    for text, kind in rows:
        number = (
            _NUMBERS[int(rng.integers(0, len(_NUMBERS)))]
            .format(
                n=int(rng.integers(2, 99)),
                y=int(rng.integers(30, 99)),
                z=int(rng.integers(0, 25)),
            )
            .strip(" ,-")
        )
        if rng.random() < 0.75:
            out.append((text.rstrip(" .!?") + " " + number, kind))
        else:
            out.append((number[0].upper() + number[1:] + ". " + text, kind))
    return out


def _taught(rows: list[tuple[str, str]], rng: np.random.Generator) -> list[tuple[str, str]]:
    """The sentences as taught: each on its own, joined with ordinary ones, and numbered."""
    return rows + _joined(rows, rng) + _numbered(rows, rng)


_cache: dict[str, np.ndarray] = {}
_cache_path: Path | None = None


def _cache_save() -> None:
    """Keep the vectors made so far in `--cache`, if given."""
    if _cache_path is not None:
        texts = sorted(_cache)
        vectors = np.array([_cache[text] for text in texts])
        np.savez(_cache_path, texts=np.array(texts), vectors=vectors)


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
    x = ((vectors - centre) / scale).astype(np.float32)  # float32: the products cost half
    y = np.zeros((n, k), dtype=np.float32)
    y[np.arange(n), labels] = 1.0
    counts = np.maximum(y.sum(axis=0), 1.0)
    sample = (((1.0 / counts[labels]) * (n / k))[:, None] / n).astype(np.float32)
    params = [
        rng.normal(0.0, 1.0 / np.sqrt(d), (d, HIDDEN)), np.zeros(HIDDEN),
        rng.normal(0.0, 1.0 / np.sqrt(HIDDEN), (HIDDEN, k)), np.zeros(k),
    ]  # fmt: skip
    params = [p.astype(np.float32) for p in params]
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


def _lexical_fit(texts: list[str], labels: np.ndarray) -> Lexical:
    from conversations.guardrails.reading.classifier import CLASSES
    from conversations.guardrails.reading.rules import text_normalise

    return lexical_fit(
        [text_normalise(text) for text in texts], labels, classes=len(CLASSES),
        l2=LEXICAL_L2, steps=LEXICAL_STEPS, rate=LEXICAL_RATE,
    )  # fmt: skip


def neighbours_of(rows: list[tuple[str, str]]) -> Neighbours:
    """The neighbours' vote over these sentences (as written, not the taught forms)."""
    from conversations.guardrails.reading.classifier import CLASSES

    return Neighbours(
        vectors=_vectors([text for text, _ in rows]).astype(np.float16).astype(np.float32),
        kinds=np.array([CLASSES.index(kind) for _, kind in rows]),
    )


def _both(
    model: Model, words: Lexical, near: Neighbours, texts: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from conversations.guardrails.reading.rules import text_normalise

    plain = [text_normalise(text) for text in texts]
    vectors = _vectors(texts)
    return (
        model.probabilities(vectors).astype(np.float64),
        words.probabilities(plain).astype(np.float64),
        near.probabilities(vectors).astype(np.float64),
    )


def _read(
    model: Model, words: Lexical, near: Neighbours, texts: list[str], weights: tuple[float, ...]
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """As at run time, for each share of the word model: the whole message, and each clause
    of a long one (the max); the warning column is the crisis and warning probability
    together, of the whole message or of a clause (`Kinds.crisis_family`). Per share, the
    reading with clauses and without."""
    from conversations.guardrails.reading.classifier import CLASSES, clauses, mixed
    from conversations.guardrails.reading.rules import text_normalise

    crisis, warning = CLASSES.index("crisis"), CLASSES.index("warning")
    network, lexical, voted = _both(model, words, near, texts)
    parts = [clauses(text_normalise(text)) for text in texts]
    each = [_both(model, words, near, part) if part else None for part in parts]
    out = {}
    for weight in weights:
        unvoted = mixed(network, lexical, weight)
        whole = mixed(network, lexical, weight, voted)
        read = whole.copy()
        # the crisis family confirms the rules: without the vote (`Kinds.crisis_family`)
        family = unvoted[:, crisis] + unvoted[:, warning]
        for i, pair in enumerate(each):
            if pair is not None:
                part = mixed(pair[0], pair[1], weight, pair[2])
                alone = mixed(pair[0], pair[1], weight)
                read[i] = np.maximum(read[i], part.max(axis=0))
                family[i] = max(family[i], float((alone[:, crisis] + alone[:, warning]).max()))
        read[:, warning] = family
        plain = whole.copy()
        plain[:, warning] = unvoted[:, crisis] + unvoted[:, warning]
        out[weight] = (read, plain)
    return out


def _rules(texts: list[str]) -> np.ndarray:
    """Per text, as at run time: what the rules and prototypes read of crisis, fraud and
    disclosure (`detection.said_read`), whether a request, and whether every crisis phrase
    was negated."""
    from conversations.guardrails.detection import prototypes_read, rules_read, said_read
    from conversations.guardrails.reading.rules import text_normalise
    from conversations.guardrails.reading.similarity import closeness

    out = []
    for text, vector in zip(texts, _vectors(texts), strict=True):
        found = rules_read(text_normalise(text))
        said = said_read(found, prototypes_read(closeness(vector.astype(np.float32))))
        out.append(
            [said["crisis"], said["fraud"], said["disclosure"], found.asked, found.negated_only]
        )
    return np.array(out, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--write", action="store_true",
        help="train on every sentence, save the model and print its sha256 (no cross-validation)",
    )  # fmt: skip
    parser.add_argument(
        "--cache", type=Path,
        help="keep the vectors in this .npz between runs, for trying changes quickly (a "
        "text's vector varies with its batch in the third decimal: write the pinned model "
        "without it)",
    )  # fmt: skip
    parser.add_argument(
        "--folds", type=int, default=FOLDS,
        help=f"read only the first N of the {FOLDS} folds (quicker; fewer held-out sentences)",
    )  # fmt: skip
    args = parser.parse_args()
    _setup()
    global _cache_path
    _cache_path = args.cache
    if args.cache and args.cache.exists():
        with np.load(args.cache, allow_pickle=False) as stored:
            _cache.update(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    from conversations.guardrails.reading.classifier import CLASSES, LEXICAL, NEIGHBOURS, WEIGHTS

    rows = evaluation_left_out(training_rows())
    labels = np.array([CLASSES.index(kind) for _, kind in rows])
    counts = {kind: int((labels == i).sum()) for i, kind in enumerate(CLASSES)}
    print(f"training sentences {len(rows)}: {counts}")

    if args.write:
        taught = _taught(rows, np.random.default_rng(SEED))
        taught_labels = np.array([CLASSES.index(kind) for _, kind in taught])
        flat = fit(_vectors([text for text, _ in taught]), taught_labels).flat()
        words = _lexical_fit([text for text, _ in taught], taught_labels).flat()
        near = neighbours_of(rows).flat()
        WEIGHTS.parent.mkdir(exist_ok=True)
        for path, array in ((WEIGHTS, flat), (LEXICAL, words), (NEIGHBOURS, near)):
            with path.open("wb") as handle:
                np.save(handle, array, allow_pickle=False)
            print(f"wrote {path} sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
    else:
        _cross_validate(rows, labels, args.folds)
    _cache_save()


def _cross_validate(rows: list[tuple[str, str]], labels: np.ndarray, folds: int) -> None:
    """Five folds: the classifier trained on four, read on the fifth as at run time; prints
    `CONFIRM` and `THRESHOLDS` for `detection`, with the figures at each step."""
    from conversations.guardrails.reading.classifier import CLASSES

    rng = np.random.default_rng(SEED)
    fold = rng.permutation(len(rows)) % FOLDS
    texts_out: list[str] = []
    scores_out: dict[float, list[np.ndarray]] = {weight: [] for weight in LEXICAL_WEIGHTS}
    whole_out: dict[float, list[np.ndarray]] = {weight: [] for weight in LEXICAL_WEIGHTS}
    labels_out: list[int] = []
    for k in range(min(folds, FOLDS)):
        train = [row for row, f in zip(rows, fold, strict=True) if f != k]
        test = [row for row, f in zip(rows, fold, strict=True) if f == k]
        taught = _taught(train, rng)
        taught_labels = np.array([CLASSES.index(kind) for _, kind in taught])
        model = fit(_vectors([text for text, _ in taught]), taught_labels)
        words = _lexical_fit([text for text, _ in taught], taught_labels)
        near = neighbours_of(train)
        test = _taught(test, rng)
        print(f"fold {k + 1} of {FOLDS}: trained on {len(taught)}", flush=True)
        _cache_save()
        texts_out.extend(text for text, _ in test)
        for weight, (read, plain) in _read(
            model, words, near, [text for text, _ in test], LEXICAL_WEIGHTS
        ).items():
            scores_out[weight].append(read)
            whole_out[weight].append(plain)
        labels_out.extend(CLASSES.index(kind) for _, kind in test)
    found = _rules(texts_out)
    # the prototype sentences are read by the prototypes as themselves: not counted
    from conversations.guardrails.reading import prototypes

    own = {_key(text) for text in prototypes.CRISIS + prototypes.BUILD_UP + prototypes.FRAUD
           + prototypes.DISCLOSURE + prototypes.ORDINARY}  # fmt: skip
    counted = np.array([_key(text) not in own for text in texts_out])
    best: tuple[float, float, dict[str, dict[str, float]]] | None = None
    for weight in LEXICAL_WEIGHTS:
        print(f"word model's share {weight}:")
        chosen = _calibrate(np.vstack(scores_out[weight]), found, np.array(labels_out), counted)
        recall = chosen["recall"]["crisis"]
        if best is None or recall > best[1]:
            best = (weight, recall, chosen)
    assert best is not None
    weight, _, chosen = best
    print(f"without reading clauses (share {weight}):")
    _calibrate(np.vstack(whole_out[weight]), found, np.array(labels_out), counted)
    print(f"LEXICAL_WEIGHT = {weight}")
    print("CONFIRM = " + json.dumps(chosen["confirm"]))
    print("THRESHOLDS = " + json.dumps(chosen["thresholds"]))


def _calibrate(
    scores: np.ndarray, found: np.ndarray, labels: np.ndarray, counted: np.ndarray
) -> dict[str, dict[str, float]]:
    """For each kind (over the `counted` rows, cross-validated): first `CONFIRM`, the highest
    classifier probability at which what the rules and prototypes read (`found`) still keeps
    all but `CONFIRM_LOSS` of the kind's messages that it catches; then the threshold, the
    lowest probability at which the classifier alone flags at most `FALSE_ALARMS` of the
    ordinary messages beyond those the confirmed rules flag. Prints the recall and false
    alarms at each step."""
    from conversations.guardrails.detection import CRISIS_ALARM
    from conversations.guardrails.reading.classifier import CLASSES

    scores, found, labels = scores[counted], found[counted], labels[counted]
    ordinary = labels == CLASSES.index("ordinary")
    column = {"crisis": 0, "fraud": 1, "disclosure": 2}
    out: dict[str, dict[str, float]] = {"confirm": {}, "thresholds": {}, "recall": {}}
    for kind, share in FALSE_ALARMS.items():
        i = CLASSES.index(kind)
        mine = labels == i
        said = found[:, column[kind]] >= CRISIS_ALARM
        confidence = scores[:, CLASSES.index("warning")] if kind == "crisis" else scores[:, i]
        print(
            f"rules and prototypes: {kind} recall {said[mine].mean():.3f} "
            f"false_alarms {said[ordinary].mean():.3f}"
        )
        confirm = 0.0
        for value in np.sort(np.unique(confidence[said & mine])):
            if said[mine].mean() - (said & (confidence >= value))[mine].mean() > CONFIRM_LOSS:
                break
            confirm = float(value)
        confirm = float(np.floor(confirm * 10000) / 10000)
        rule = said & (confidence >= confirm)
        print(
            f"confirmed by the classifier (>= {confirm:.4f}): {kind} recall "
            f"{rule[mine].mean():.3f} false_alarms {rule[ordinary].mean():.3f}"
        )
        allowed = scores[:, i] >= 0.0
        if kind == "crisis":
            allowed = found[:, 4] == 0  # a negated phrase caps the model
        if kind == "fraud":
            allowed = found[:, 3] == 1  # only a request
        chosen = 1.0
        for threshold in np.sort(np.unique(scores[ordinary & allowed & ~rule, i]))[::-1]:
            flagged = rule | (allowed & (scores[:, i] >= threshold))
            if flagged[ordinary].mean() - rule[ordinary].mean() > share:
                break
            chosen = float(threshold)
        chosen = float(np.ceil(chosen * 10000) / 10000)
        flagged = rule | (allowed & (scores[:, i] >= chosen))
        print(
            f"and the classifier alone (>= {chosen:.4f}): {kind} recall "
            f"{flagged[mine].mean():.3f} false_alarms {flagged[ordinary].mean():.3f}"
        )
        out["confirm"][kind] = confirm
        out["thresholds"][kind] = chosen
        out["recall"][kind] = float(flagged[mine].mean())
    return out


if __name__ == "__main__":
    main()
