"""Does the twin answer from the person's words, and say "I don't remember" otherwise?

Each LoCoMo conversation becomes a memorial whose subject is `speaker_a`: its dated turns are
written as a WhatsApp export, uploaded through the real upload service and ingest task, the
subject's name is their identity (so their turns are their own words) and the twin is built
(the real build, offline). The living subject opens the memorial to family; a family member
(`speaker_b`'s conversation partner in the data is not needed: any visitor) asks every
question through the socket's service (`message_send`), which writes the reply with the real
reply task (`reply_generate` -> `conversations.replies.reply_stream`), with the offline
responder. Then, from the stored replies:

- `answered`: questions of categories 1-4 answered (not abstained) whose drawn-on passages
  hold one of the question's evidence turns, over all such questions;
- `abstained_foreign`: the other conversation's answerable questions, its two speakers' names
  replaced by this conversation's, that were abstained;
- `abstained_adversarial`: category 5 questions abstained.

    .venv/bin/python bench/twin_grounding.py [PATH]  # ../shared/data/locomo/locomo-dev.json

With `--dump FILE` it also writes each question's support figures (best cosine, best word
coverage), for calibrating `twins.grounding`'s thresholds.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import uuid
from pathlib import Path

from benchdb import REPO, bench_memorial, bench_setup
from locomo_recall import evidence_ids, turns_of, whatsapp_export


def _consent(memorial, scope: str) -> None:  # type: ignore[no-untyped-def]
    from consent.models import ConsentDocument, ConsentRecord
    from core.crypto import memorial_cipher

    body = f"I agree to {scope}."
    digest = hashlib.sha256(body.encode()).hexdigest()
    document, _ = ConsentDocument.objects.get_or_create(
        scope=scope, version=1, defaults={"title": scope, "body": body, "sha256": digest}
    )
    ConsentRecord.objects.create(
        memorial=memorial, scope=scope, document=document, document_sha256=document.sha256,
        signer=memorial.subject,
        typed_name_encrypted=memorial_cipher(memorial_id=memorial.id).encrypt_text("bench"),
        method=ConsentRecord.Method.PASSWORD,
    )  # fmt: skip


def memorial_built(item: dict):  # type: ignore[no-untyped-def]
    """The conversation's memorial, ingested, built and open to a family visitor."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from core.consent import ConsentScope
    from corpus.models import Upload
    from corpus.services.documents import identity_add
    from corpus.services.uploads import upload_create
    from memorials.models import AgeGroup, Membership, Role
    from memorials.opening import memorial_open_while_living
    from memorials.wishes import wishes_update
    from twins.models import TwinVersion
    from twins.services.versions import twin_build_start

    conversation = item["conversation"]
    memorial = bench_memorial(conversation["speaker_a"])
    identity_add(memorial_id=memorial.id, kind="name", value=conversation["speaker_a"])
    turns = turns_of(conversation)
    upload, _ = upload_create(
        memorial_id=memorial.id,
        file=SimpleUploadedFile("WhatsApp Chat.txt", whatsapp_export(turns)),
    )  # the task runs inline (eager) on commit
    upload = Upload.objects.get(id=upload.id)
    assert upload.status == "done", upload.error
    version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    version = TwinVersion.objects.get(id=version.id)
    assert version.status == "ready", (version.status, version.failure)
    visitor = User.objects.create_user(email=f"visitor-{uuid.uuid4().hex[:8]}@example.org")
    Membership.objects.create(
        memorial=memorial, user=visitor, role=Role.FAMILY, age_group=AgeGroup.ADULT
    )
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    _consent(memorial, ConsentScope.CONVERSATION_LIVING)
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    return memorial, visitor, turns, upload.passages_count


def ask(memorial, visitor, question: str):  # type: ignore[no-untyped-def]
    """The stored reply to `question`, asked as the visitor through the real services."""
    from conversations.access import conversation_access
    from conversations.models import Message

    access = conversation_access(user=visitor, memorial_id=memorial.id)
    assert access.allowed, access.reason
    from conversations.services.messages import message_send

    sent = message_send(
        memorial_id=memorial.id, visitor=visitor, client_id=uuid.uuid4().hex,
        text=question, scope=access.scope,
    )  # fmt: skip  # the reply task runs inline (eager) on commit
    return Message.objects.get(
        conversation__memorial_id=memorial.id, conversation__visitor=visitor,
        reply_to__seq=sent.seq,
    )  # fmt: skip


def renamed(question: str, source: dict, target: dict) -> str:
    """`question` of the `source` conversation with its speakers' names made `target`'s."""
    names = {
        source["speaker_a"]: target["speaker_a"],
        source["speaker_b"]: target["speaker_b"],
    }
    pattern = re.compile(r"\b(" + "|".join(re.escape(name) for name in names) + r")\b")
    return pattern.sub(lambda match: names[match.group(1)], question)


def _row(kind, question, reply, support, texts, evidence):  # type: ignore[no-untyped-def]
    from core.crypto import memorial_cipher
    from corpus.models import Passage

    ids = [passage_id for passage_id, _, _ in support.figures]
    passages = Passage.objects.filter(id__in=ids)
    holds, words = {}, {}
    for passage in passages:
        cipher = memorial_cipher(memorial_id=passage.memorial_id)
        flat = " ".join(cipher.decrypt_text(passage.text_encrypted).split())
        holds[passage.id] = bool({d for d, t in texts if t and t in flat} & evidence)
        words[passage.id] = flat
    return {
        "kind": kind,
        "question": question,
        "abstained": reply.abstained,
        "passages": [[c, v, holds.get(i, False), words.get(i, "")] for i, c, v in support.figures],
    }


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    dump_path = sys.argv[sys.argv.index("--dump") + 1] if "--dump" in sys.argv else None
    if dump_path in args:
        args.remove(dump_path)
    path = Path(args[0]) if args else REPO.parent / "shared/data/locomo/locomo-dev.json"
    bench_setup("legacy_bench_grounding")
    from corpus.selectors import passage_sources
    from twins import replies

    judged = []  # the support figures of each question, for --dump
    judge = replies.support_judge

    def judge_recorded(**kwargs):  # type: ignore[no-untyped-def]
        support = judge(**kwargs)
        judged.append(support)
        return support

    replies.support_judge = judge_recorded

    items = json.loads(path.read_text())
    started = time.perf_counter()
    built = []
    for item in items:
        begun = time.perf_counter()
        memorial, visitor, turns, passages = memorial_built(item)
        built.append((item, memorial, visitor, turns))
        print(f"{item.get('sample_id', '?')}: {len(turns)} turns -> {passages} passages, "
              f"built in {time.perf_counter() - begun:.1f} s")  # fmt: skip
    counts = {"answerable": 0, "answered": 0, "foreign": 0, "foreign_abstained": 0,
              "adversarial": 0, "adversarial_abstained": 0}  # fmt: skip
    dump = []
    for index, (item, memorial, visitor, turns) in enumerate(built):
        texts = [(dia_id, text) for _, _, text, dia_id in turns]
        other = built[(index + 1) % len(built)][0] if len(built) > 1 else None
        for qa in item["qa"]:
            category = qa.get("category")
            evidence = evidence_ids(qa.get("evidence") or [])
            reply = ask(memorial, visitor, qa["question"])
            kind = "adversarial" if category == 5 else "answerable"
            if category == 5:
                counts["adversarial"] += 1
                counts["adversarial_abstained"] += reply.abstained
            elif evidence:
                counts["answerable"] += 1
                sources = passage_sources(memorial_id=memorial.id, passage_ids=reply.passage_ids)
                covered = {
                    dia_id
                    for source in sources
                    for dia_id, text in texts
                    if text and text in " ".join(source.text.split())
                }
                counts["answered"] += (not reply.abstained) and bool(covered & evidence)
            else:
                continue
            dump.append(_row(kind, qa["question"], reply, judged[-1], texts, evidence))
        if other is None:
            continue
        for qa in other["qa"]:
            if qa.get("category") == 5 or not evidence_ids(qa.get("evidence") or []):
                continue
            question = renamed(qa["question"], other["conversation"], item["conversation"])
            reply = ask(memorial, visitor, question)
            counts["foreign"] += 1
            counts["foreign_abstained"] += reply.abstained
            dump.append(_row("foreign", question, reply, judged[-1], texts, set()))
    if dump_path:
        Path(dump_path).write_text(json.dumps(dump, indent=1))
    print(f"{counts['answerable']} answerable, {counts['foreign']} foreign, "
          f"{counts['adversarial']} adversarial questions in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    print(f"answered {counts['answered'] / max(counts['answerable'], 1):.3f}")
    print(f"abstained_foreign {counts['foreign_abstained'] / max(counts['foreign'], 1):.3f}")
    print(
        "abstained_adversarial "
        f"{counts['adversarial_abstained'] / max(counts['adversarial'], 1):.3f}"
    )


if __name__ == "__main__":
    main()
