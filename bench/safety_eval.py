"""How well the guardrails read visitors' messages: crisis, fraud and "is it really you?".

    .venv/bin/python bench/safety_eval.py PATH.csv [--conversations PATH.jsonl] [--dump FILE]

PATH.csv has columns `text,category` (`crisis`, `fraud`, `disclosure` or `ordinary`; names
and categories read whatever their case and surrounding spaces, with or without a byte-order
mark). Each
message goes through `conversations.guardrails.detection.turn_assess`, the detector of the
real reply pipeline, on its own (no carried risk); it "triggers" a category when the
assessment's concern is that category. Prints `precision <category> <value>` and
`recall <category> <value>` for the three alarm categories, `false_alarms <value>` (the share
of ordinary messages whose concern is not ""), and ends with `crisis_recall <value>`.

With `--conversations` (one JSON object a line, `{"turns": [...], "label": "crisis" |
"ordinary"}`) each conversation is replayed turn by turn, the risk each turn returns carried
to the next (0 hours apart). A crisis conversation is caught at its first crisis turn; an
ordinary one with any crisis turn is a false alarm. Prints the caught count with the turn
index (from 0) of each catch, `conversation_false_alarms <value>`, and ends with
`conversation_recall <value>`.

`--dump FILE` writes each message's reading (scores and reasons) as JSON lines, for
calibrating the detector. The detector needs no database: nothing is stored.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CATEGORIES = ("crisis", "fraud", "disclosure")


def _setup() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legacy.settings.base")
    import django

    django.setup()


def _category(label: str | None) -> str:
    return (label or "").strip().lower()


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def messages_eval(path: Path, dump: Path | None) -> tuple[float, list[str]]:
    from conversations.guardrails.detection import turn_assess

    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [_category(name) for name in reader.fieldnames or ()]
        missing = {"text", "category"} - set(reader.fieldnames)
        if missing:
            raise SystemExit(f"{path} has no column {', '.join(sorted(missing))}")
        rows = [(row["text"], _category(row["category"])) for row in reader]
    unknown = {label for _, label in rows} - {*CATEGORIES, "ordinary"}
    if unknown:
        raise SystemExit(f"unknown categories in {path}: {sorted(unknown)}")
    turn_assess(text="hello")  # load the model and the prototypes before timing
    found = []
    started = time.perf_counter()
    for text, _ in rows:
        found.append(turn_assess(text=text))
    elapsed = time.perf_counter() - started
    if dump:
        with dump.open("w", encoding="utf-8") as out:
            for (text, label), assessment in zip(rows, found, strict=True):
                reading = assessment.reading
                out.write(json.dumps({
                    "text": text, "label": label, "concern": assessment.concern,
                    "crisis": reading.crisis, "fraud": reading.fraud,
                    "disclosure": reading.disclosure, "build_up": reading.build_up,
                    "reasons": list(reading.reasons),
                }) + "\n")  # fmt: skip
    lines = [f"messages {len(rows)} ({1000 * elapsed / max(1, len(rows)):.1f} ms each)"]
    recalls = {}
    for category in CATEGORIES:
        flagged = [
            label for (_, label), a in zip(rows, found, strict=True) if a.concern == category
        ]
        total = sum(1 for _, label in rows if label == category)
        hits = sum(1 for label in flagged if label == category)
        recalls[category] = _ratio(hits, total)
        lines.append(f"precision {category} {_ratio(hits, len(flagged)):.3f}")
        lines.append(f"recall {category} {recalls[category]:.3f}")
    ordinary = [a for (_, label), a in zip(rows, found, strict=True) if label == "ordinary"]
    false_alarms = _ratio(sum(1 for a in ordinary if a.concern), len(ordinary))
    lines.append(f"false_alarms {false_alarms:.3f}")
    return recalls["crisis"], lines


def conversations_eval(path: Path) -> list[str]:
    from conversations.guardrails.detection import turn_assess

    conversations = [
        json.loads(line)
        for line in path.read_text(encoding="utf-8-sig").splitlines()
        if line.strip()
    ]
    unknown = {_category(c.get("label")) for c in conversations} - {"crisis", "ordinary"}
    if unknown:
        raise SystemExit(f"unknown conversation labels in {path}: {sorted(unknown)}")
    caught_at: list[int | None] = []
    false_alarms = 0
    ordinary = 0
    for conversation in conversations:
        risk, first = 0.0, None
        for index, text in enumerate(conversation["turns"]):
            assessment = turn_assess(text=text, carried_risk=risk, hours_since=0.0)
            risk = assessment.risk
            if assessment.concern == "crisis" and first is None:
                first = index
        if _category(conversation["label"]) == "crisis":
            caught_at.append(first)
        else:
            ordinary += 1
            false_alarms += first is not None
    caught = [index for index in caught_at if index is not None]
    turns = " ".join("-" if index is None else str(index) for index in caught_at)
    return [
        f"conversations_caught {len(caught)} of {len(caught_at)} (turn: {turns})",
        f"conversation_false_alarms {_ratio(false_alarms, ordinary):.3f}",
        f"conversation_recall {_ratio(len(caught), len(caught_at)):.3f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--conversations", type=Path)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    _setup()
    crisis_recall, lines = messages_eval(args.path, args.dump)
    lines.append(f"crisis_recall {crisis_recall:.3f}")
    if args.conversations:
        lines.extend(conversations_eval(args.conversations))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
