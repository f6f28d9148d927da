"""The round trips between a visitor's message arriving on the socket and its reply's task
starting to write, pinned so they cannot creep back (bench/conversation_overhead.py measures
the time): the consumer's work for one message, and the reply task's checks as it starts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent.services import consent_revoke
from conversations import tasks
from conversations.consumers import _access, _take
from conversations.models import Message, MessageRole
from conversations.selectors import reply_get
from conversations.tasks import REPLY_TASKS
from core.consent import ConsentScope
from core.crypto import KeyDestroyed, ciphers_reused, memorial_cipher, memorial_key_destroy

pytestmark = pytest.mark.django_db(transaction=True)

# The visitor's time (their limits, the visit so far); then one transaction: BEGIN, the
# conversation locked with the client id's message if it was sent before, the message and
# its reply's placeholder stored, the conversation's numbering, the reply task's consent
# checked and the task tracked, COMMIT. The memorial's key is the one the socket keeps.
TAKE_QUERIES = 10
# The reply task as it starts: erased or not, and its consent, in one query (then the
# reply with the memorial's key, in one more).
TASK_START_QUERIES = 1


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """The reply tasks sent after commit (kept here, not sent to a worker)."""
    sent: list[dict] = []
    for task in REPLY_TASKS.values():
        monkeypatch.setattr(task, "apply_async", lambda *a, **kwargs: sent.append(kwargs))
    return sent


def test_a_message_takes_a_fixed_number_of_round_trips_before_its_reply_is_sent(
    memorial, family, queued, django_assert_num_queries
):
    # given a family visitor's socket, its access decided as it opened, one message sent
    decided = _access(family, str(memorial.id))
    assert decided.access.allowed and decided.scope == ConsentScope.CONVERSATION_LIVING
    _take(decided=decided, client_id="first", text="Hello")
    # when they send the next one
    with django_assert_num_queries(TAKE_QUERIES):
        taken = _take(decided=decided, client_id="second", text="Do you remember Falmouth?")
    # then it is stored, its reply's placeholder made and the reply's task queued
    assert taken.sent is not None and taken.sent.created and taken.sent.seq == 3
    assert len(queued) == 2
    roles = list(
        Message.objects.filter(conversation__memorial=memorial)
        .order_by("seq")
        .values_list("seq", "role", "client_id")
    )
    assert roles[2:] == [(3, MessageRole.VISITOR, "second"), (4, MessageRole.TWIN, "")]


def test_a_message_sent_again_comes_back_as_stored_and_queues_nothing(
    memorial, family, queued, django_assert_max_num_queries
):
    decided = _access(family, str(memorial.id))
    first = _take(decided=decided, client_id="again", text="Hello there")
    assert first.sent is not None and first.sent.created
    # when a reconnecting device sends it again (its text changed on the way, say)
    with django_assert_max_num_queries(TAKE_QUERIES):
        again = _take(decided=decided, client_id="again", text="Hello, again")
    # then the stored one comes back, read in the same query that locked the conversation
    assert again.sent is not None and not again.sent.created
    assert (again.sent.seq, again.sent.text) == (first.sent.seq, "Hello there")
    assert len(queued) == 1
    assert Message.objects.filter(conversation__memorial=memorial).count() == 2


def test_a_withdrawn_consent_still_refuses_the_message_with_nothing_stored(
    memorial, family, queued
):
    decided = _access(family, str(memorial.id))  # decided before the withdrawal
    consent_revoke(
        user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CONVERSATION_LIVING
    )
    taken = _take(decided=decided, client_id="late", text="Are you there?")
    assert taken.refusal and taken.sent is None
    assert not Message.objects.filter(conversation__memorial=memorial).exists()
    assert queued == []


def test_the_reply_and_the_memorial_key_are_read_in_one_round_trip(
    memorial, family, queued, django_assert_num_queries
):
    decided = _access(family, str(memorial.id))
    taken = _take(decided=decided, client_id="one", text="Hello")
    assert taken.sent is not None
    message_id = queued[0]["kwargs"]["message_id"]
    with ciphers_reused(), django_assert_num_queries(1):
        reply = reply_get(memorial_id=memorial.id, message_id=message_id)
        assert reply is not None and reply.reply_to is not None
        cipher = memorial_cipher(memorial_id=memorial.id)  # kept: not read again
        assert cipher.decrypt_text(bytes(reply.reply_to.text_encrypted)) == "Hello"
    # a destroyed key is not kept: the cipher is refused, as ever
    memorial_key_destroy(memorial_id=memorial.id)
    with ciphers_reused(), pytest.raises(KeyDestroyed):
        reply_get(memorial_id=memorial.id, message_id=message_id)
        memorial_cipher(memorial_id=memorial.id)


def _started(monkeypatch) -> list[int]:
    """Calls the reply task's work with the queries made before it, instead of writing."""
    started: list[int] = []
    monkeypatch.setattr(
        tasks, "reply_generate", lambda **kwargs: started.append(len(connection.queries))
    )
    return started


def test_the_reply_task_checks_erasure_and_consent_in_one_round_trip(
    memorial, family, queued, monkeypatch, settings
):
    settings.DEBUG = True  # connection.queries, counted from the task's start
    decided = _access(family, str(memorial.id))
    _take(decided=decided, client_id="one", text="Hello")
    started = _started(monkeypatch)
    task = REPLY_TASKS[ConsentScope.CONVERSATION_LIVING]
    with CaptureQueriesContext(connection):
        connection.queries_log.clear()
        task.apply(kwargs=queued[0]["kwargs"])
    assert started == [TASK_START_QUERIES]


def test_the_reply_task_stops_without_consent_and_skips_an_erased_memorial(
    memorial, family, queued, monkeypatch
):
    decided = _access(family, str(memorial.id))
    _take(decided=decided, client_id="one", text="Hello")
    _take(decided=decided, client_id="two", text="Hello again")
    started = _started(monkeypatch)
    stopped: list[int] = []
    monkeypatch.setattr(
        tasks.ReplyTask, "consent_withdrawn", lambda self, **kwargs: stopped.append(1)
    )
    task = REPLY_TASKS[ConsentScope.CONVERSATION_LIVING]
    # consent withdrawn after the message was taken (a revoke that missed the worker)
    consent_revoke(
        user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CONVERSATION_LIVING
    )
    told = len(stopped)  # the withdrawal told the two tracked replies itself
    task.apply(kwargs=queued[0]["kwargs"])
    assert (started, len(stopped)) == ([], told + 1)  # and the task, as it started
    # erased: nothing runs and nothing is told, whatever the consent
    memorial_key_destroy(memorial_id=memorial.id)
    task.apply(kwargs=queued[1]["kwargs"])
    assert (started, len(stopped)) == ([], told + 1)
