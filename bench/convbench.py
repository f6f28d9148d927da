"""Shared by the conversation benches: a zero-latency fake LLM provider, the reply tasks run
by a pool of threads in this process (as a worker with that concurrency would run them, no
broker), a memorial of synthetic passages open to family, visitors with memories, and their
sockets on the real ASGI application (`legacy.asgi.application`, Redis channel layer)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

# The benches measure the conversation, not the plans: a memorial with no subscription is on
# the plan that includes everything (set before Django's settings load; the workers inherit
# it), so no reply is the plan's kind refusal.
os.environ.setdefault("LEGACY_PLAN_WITHOUT_SUBSCRIPTION", "interactive")

# Three sentences: the outbound guard lets a reply out sentence by sentence, so the load
# bench's delay between a reply's pieces needs more than one.
REPLY = (
    "I remember the sea at Falmouth, and three dolphins jumping beside the boat while your "
    "grandfather laughed and the gulls followed us all the way back to the harbour wall. "
    "We had chips on the quay afterwards, wrapped in paper. "
    "You fell asleep in the car before we reached the bridge."
)
REPLY_WORDS = REPLY.split(" ")
WORKER_THREADS = 8
SPEECH_THREADS = 8  # as `make run` starts the speech worker (legacy/runtime/serve.py)


class FastLlmProvider:
    """Implements `twins.providers.base.LlmProvider`: every token is ready at once."""

    name = "fast"
    label = "A zero-latency bench model"
    model = "fast"

    def reply_stream(self, *, system: Any, messages: Any, max_tokens: int) -> Any:
        from twins.providers import LlmStream, LlmUsage

        return LlmStream(
            provider=self.name, model=self.model, label=self.label, chunks=self._chunks(),
            usage=LlmUsage(input_tokens=100, output_tokens=len(REPLY_WORDS)),
        )  # fmt: skip

    def _chunks(self) -> Iterator[str]:
        for n, word in enumerate(REPLY_WORDS):
            yield word if n == 0 else " " + word


def fast_provider_install() -> None:
    from twins.services import llm

    llm.llm_provider = lambda name=None: FastLlmProvider()  # type: ignore[assignment]


def replies_in_pool(threads: int = WORKER_THREADS) -> ThreadPoolExecutor:
    """Queued reply tasks run through `task.apply` (the task's own code and consent checks)
    in a pool of `threads`, beside the sockets, instead of inline in the sender's thread."""
    from django.db import connection

    from conversations.tasks import REPLY_TASKS

    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="worker")

    def runner(task: Any) -> Any:
        def run(kwargs: dict[str, Any], task_id: str | None) -> None:
            try:
                task.apply(kwargs=kwargs, task_id=task_id)
            finally:
                connection.close()

        def apply_async(
            kwargs: dict[str, Any] | None = None, task_id: str | None = None, **_: Any
        ) -> None:
            pool.submit(run, kwargs or {}, task_id)

        return apply_async

    for task in REPLY_TASKS.values():
        task.apply_async = runner(task)  # type: ignore[method-assign]
    speech_in_pool(threads)
    return pool


def speech_in_pool(threads: int = WORKER_THREADS) -> ThreadPoolExecutor:
    """Queued speaking tasks (the speech queue's) run through `task.apply` in a pool of
    their own, as the speech worker runs them beside the reply workers."""
    from django.db import connection

    from voice.tasks import voice_reply_speak

    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="speech")

    def run(kwargs: dict[str, Any]) -> None:
        try:
            voice_reply_speak.apply(kwargs=kwargs)
        finally:
            connection.close()

    def apply_async(kwargs: dict[str, Any] | None = None, **_: Any) -> None:
        pool.submit(run, kwargs or {})

    voice_reply_speak.apply_async = apply_async  # type: ignore[method-assign]
    return pool


def bench_queue_own() -> None:
    """Before `bench_setup`: this run's tasks go to queues of its own."""
    import os

    os.environ["LEGACY_CELERY_QUEUE"] = f"bench-{os.getpid()}"
    os.environ["LEGACY_CELERY_REPLY_QUEUE"] = f"bench-{os.getpid()}-replies"


def replies_in_worker(threads: int = WORKER_THREADS) -> Any:
    """Reply tasks go through the broker (Redis) to real Celery worker processes, as `make
    run` starts them (`legacy.runtime.serve`): one with a pool of `threads` threads on the
    replies' queue, one for the rest (what the visitor shared, remembered after each reply).
    Each runs `convworker`, so the fake provider is installed there. The ASGI side and the
    reply work do not share one interpreter. Returns a function that stops the workers."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from legacy.celery import app

    app.conf.task_always_eager = False
    bench = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "PYTHONPATH": bench, "REDIS_URL": settings.REDIS_URL,
           "LEGACY_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
           "LEGACY_CELERY_REPLY_QUEUE": settings.CELERY_REPLY_QUEUE}  # fmt: skip
    # As `make run` starts them: the replies' worker, the default queue's, and the spoken
    # replies' worker of its own.
    queues = {settings.CELERY_REPLY_QUEUE: ["--pool", "threads", "--concurrency", str(threads)]}
    if settings.CELERY_TASK_DEFAULT_QUEUE != settings.CELERY_REPLY_QUEUE:
        queues[settings.CELERY_TASK_DEFAULT_QUEUE] = ["--pool", "threads", "--concurrency", "2"]
    queues[settings.LEGACY_SPEECH_QUEUE] = [
        "--pool", "threads", "--concurrency", str(SPEECH_THREADS)
    ]  # fmt: skip
    workers, names = [], []
    for queue, pool in queues.items():
        name = f"{queue}@localhost"
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "legacy", "worker", *pool, "-Q", queue,
             "-n", name, "-l", "WARNING", "--include", "convworker", "--without-gossip",
             "--without-mingle"],
            cwd=os.path.dirname(bench), env=env,
        ))  # fmt: skip
        names.append(name)
    deadline, waiting = time.monotonic() + 900, set(names)
    while waiting:
        for reply in app.control.ping(destination=sorted(waiting), timeout=0.5):
            waiting -= set(reply)
        if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
            for worker in workers:
                worker.kill()
            raise RuntimeError(f"the bench's Celery workers did not start: {waiting}")

    def stop() -> None:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a loaded machine, or speech still going
                worker.kill()
                worker.wait()

    return stop


def _visitors_forget(memorial) -> None:  # type: ignore[no-untyped-def]
    """The visitors earlier runs added to a kept memorial, gone with their conversations and
    memories, so that each run starts from the same memorial (else each run's reads of its
    members, their month's use and the day's visits grow with the runs before it); then
    the tables a run writes are vacuumed, as autovacuum would have done on a server (each
    run leaves tens of thousands of dead rows behind, which its indexes still point at)."""
    from django.db import connection

    from accounts.models import User

    User.objects.filter(
        memberships__memorial=memorial, email__startswith="visitor-", email__endswith="@example.org"
    ).delete()
    with connection.cursor() as cursor:
        for table in (
            "conversations_message", "conversations_conversation", "conversations_visitormemory",
            "conversations_usagemonth", "core_trackedtask", "billing_allowancenotice",
            "accounts_user", "memorials_membership",
        ):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")


def memorial_with_passages(count: int, *, reuse: bool = False):  # type: ignore[no-untyped-def]
    """A memorial of `count` synthetic passages loaded by binary COPY as
    `retrieval_latency.py` loads them, its HNSW graph built, opened to family. `reuse` (a
    database kept by `LEGACY_BENCH_KEEP=1`): the one an earlier run made, if it has `count`."""
    if reuse:
        from corpus.models import Document

        document = (
            Document.objects.filter(passages_count=count, content_sha256="0" * 64)
            .select_related("memorial")
            .order_by("-pk")
            .first()
        )
        if document is not None:
            from benchdb import set_up_checkpoint

            _visitors_forget(document.memorial)
            set_up_checkpoint()
            print(f"memorial: {count} passages reused from the kept database", flush=True)
            return document.memorial
    from benchdb import bench_memorial, set_up_checkpoint
    from django.db import connection, transaction
    from retrieval_latency import fill
    from twin_grounding import _consent

    from core.consent import ConsentScope
    from core.crypto import memorial_cipher
    from corpus.models import Document
    from corpus.partitions import passage_vector_index_ensure
    from memorials.opening import memorial_open_while_living
    from memorials.wishes import wishes_update

    started = time.perf_counter()
    memorial = bench_memorial("Ann Smith")
    cipher = memorial_cipher(memorial_id=memorial.id)
    with transaction.atomic():
        document = Document.objects.create(
            memorial=memorial, kind="chat", source="whatsapp",
            title_encrypted=cipher.encrypt_text("Chat"), text_encrypted=cipher.encrypt_text(""),
            source_path_encrypted=cipher.encrypt_text("chat.txt"),
            author_encrypted=cipher.encrypt_text("Ann Smith"),
            author_id_encrypted=cipher.encrypt_text(""),
            audience_encrypted=cipher.encrypt_text('["Lucy Smith"]'),
            register_reason_encrypted=cipher.encrypt_text("bench"), is_subject_author=True,
            register="family", content_sha256="0" * 64, passages_count=count,
        )  # fmt: skip
        fill(memorial, document, count, np.random.default_rng(7), cipher=cipher)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE corpus_passage SET register = 'family' WHERE memorial_id = %s",
                       [memorial.id])  # fmt: skip
        cursor.execute("VACUUM ANALYZE corpus_passage")
    loaded = time.perf_counter() - started
    passage_vector_index_ensure(memorial_id=memorial.id)
    built = time.perf_counter() - started - loaded
    set_up_checkpoint()
    print(f"memorial: {count} passages loaded in {loaded:.0f} s, HNSW graph built in "
          f"{built:.0f} s", flush=True)  # fmt: skip
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    _consent(memorial, ConsentScope.CONVERSATION_LIVING)
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    return memorial


def visitor_add(memorial, memories: int = 0):  # type: ignore[no-untyped-def]
    """A family member of `memorial` with `memories` memories stored as
    `conversations.services.memories` stores them (encrypted text, key, vector); returns the
    user and their session cookie."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from conversations.models import VisitorMemory
    from conversations.services.memories import _vector_encode, memory_key
    from core.crypto import memorial_cipher
    from corpus.embeddings import embed_passages
    from memorials.models import AgeGroup, Membership, Role

    visitor = User.objects.create_user(email=f"visitor-{uuid.uuid4().hex[:8]}@example.org")
    Membership.objects.create(
        memorial=memorial, user=visitor, role=Role.FAMILY, age_group=AgeGroup.ADULT
    )
    if memories:
        cipher = memorial_cipher(memorial_id=memorial.id)
        texts = [
            f"I moved to town number {n} and worked at the mill for {n % 40 + 1} years"
            for n in range(memories)
        ]
        vectors = embed_passages(texts)
        VisitorMemory.objects.bulk_create(
            VisitorMemory(
                memorial=memorial,
                visitor=visitor,
                memory_key=memory_key(cipher, text),
                text_encrypted=cipher.encrypt_text(text),
                vector_encrypted=_vector_encode(cipher, vector),
            )
            for text, vector in zip(texts, vectors, strict=True)
        )
    client = Client()
    client.force_login(visitor)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return visitor, cookie


def conversation_socket(memorial_id: object, cookie: str) -> Any:
    from channels.testing import WebsocketCommunicator

    from legacy.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"),
               (b"cookie", cookie.encode())]  # fmt: skip
    return WebsocketCommunicator(application, f"/ws/memorials/{memorial_id}/conversation/", headers)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")


def load_average() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])
