"""The twin speaking its replies, sentence by sentence, as they are written.

`Speaker` is registered into `conversations.speech` (in `VoiceConfig.ready`). For each reply
the reply's writer gets a `SpeechFeed`: it queues one `voice_reply_speak` task on the speech
queue (`settings.LEGACY_SPEECH_QUEUE`, served by a Celery worker of its own, so synthesis
never holds the threads that write text) and pushes the reply's checked sentences, in order,
onto a Redis list of that reply's own; every call returns at once, and the text never waits
for the voice. The task runs a `SpeakingSession`, which takes the sentences from that list
as they come and:
- reads the visitor's choice (`ConversationVoice.speak`, the text-only toggle; on unless
  they turned it off) and stops at once when they chose text only: no audio is made;
- chooses whose voice (`voice_choice`): the subject's clone while it is live at the
  configured provider and the `voice` consent stands, else the provider's generic voice;
- at a voice session's start (the written disclosure was given since the spoken notice was
  last played: `speaking_claim`) speaks a line before the reply's first sentence, saying
  that this is an AI voice made from the person's recordings, or a generic voice that is
  not theirs (its audio event marked `line`); a page that did not play it (its socket was
  away) gets it spoken again (`session_line_audio`, `voice:line`) before the voice it plays;
- speaks each sentence through `voice_provider().speech_stream` and sends its whole audio
  as one `conversation.audio` event (so the browser can decode each and play them back to
  back), `index` from 0, an empty one marked `last` at the reply's end (no look ahead on
  the way to the first audio), only while holding a share lock on the
  conversation's consent record (and the `voice` consent's, when it is the clone speaking):
  a withdrawal (`consent_revoke` locks that row for update) waits until the send is done,
  and one that committed first stops the rest, that sentence's audio not sent
  (`_send_while_consented`);
- when the provider fails (VoiceProviderError, or anything else), sends a calm `notice` in a
  last `conversation.audio` event, speaks no more of that reply and marks the SpokenReply
  failed; the text reply is not touched;
- when the reply has ended, stores the reply's audio (the notice line left out) as one file,
  encrypted in the kernel's file store, tagged as an AI voice (`voice.audio_files`), so the
  visitor can play it again (`voice.speech_views`).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from consent.gate import consent_is_granted
from conversations.allowances import reply_spoken_count
from core.allowances import AllowanceKind, allowance_check
from core.consent import ConsentRequired, ConsentScope, consent_gate
from core.events import EventKind, event_send_now
from core.files import memorial_file_delete, memorial_file_save
from core.tasks import memorial_step
from memorials.models import Memorial
from voice.audio_files import audio_join
from voice.listening import listening_state
from voice.models import ConversationVoice, SpokenReply, SpokenReplyStatus, VoiceClone
from voice.providers import VoiceProviderUnavailable, voice_provider
from voice.providers.base import VoiceProvider, VoiceProviderError

if TYPE_CHECKING:
    from conversations.access import ConversationAccess
    from conversations.models import Conversation, Message

logger = logging.getLogger(__name__)

VoiceKind = SpokenReply.VoiceKind
FILE_KIND = "spoken"  # the replies' audio, under memorials/<id>/spoken/
SPEECH_FAILED = "The voice could not speak this reply. Its words are all here."
SPEECH_LATE = (
    "The voice could not keep up just now, so this reply is not spoken. Its words are all here."
)


# --- whose voice, and what it is called ---------------------------------------------------


@dataclass(frozen=True)
class VoiceChoice:
    provider: VoiceProvider
    voice_id: str | None  # the clone's id at the provider; None: its generic voice
    kind: str  # VoiceKind


def voice_choice(*, memorial_id: uuid.UUID | str) -> VoiceChoice | None:
    """The voice that speaks this memorial's replies now: its clone at the configured
    provider while the `voice` consent stands, else that provider's generic voice. None when
    no provider is available."""
    try:
        provider = voice_provider()
    except VoiceProviderUnavailable:
        return None
    if not callable(getattr(provider, "speech_stream", None)):
        return None  # a provider that cannot speak
    clone = (
        VoiceClone.objects.filter(
            memorial_id=memorial_id, provider=provider.name, deleted_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    if clone is not None and consent_is_granted(memorial_id=memorial_id, scope=ConsentScope.VOICE):
        return VoiceChoice(provider=provider, voice_id=clone.remote_id, kind=VoiceKind.CLONE)
    return VoiceChoice(provider=provider, voice_id=None, kind=VoiceKind.GENERIC)


def voice_description(*, kind: str, name: str, preview: bool) -> str:
    """What the voice is, in a sentence: for the page, the spoken notice and the files."""
    if kind == VoiceKind.CLONE:
        if preview:
            return "This is an AI voice made from your own recordings. It is not you speaking."
        return f"This is an AI voice made from {name}'s recordings. It is not {name} speaking."
    whose = "your" if preview else f"{name}'s"
    return f"This is a generic computer voice reading the AI's replies. It is not {whose} voice."


@dataclass(frozen=True)
class SpeakingClaim:
    speak: bool  # the visitor's text-only toggle: spoken unless they turned it off
    notice_due: bool  # the spoken notice is to be played first (`notice_record` once it is)


def speaking_claim(*, conversation_id: uuid.UUID) -> SpeakingClaim:
    """Whether this conversation's next reply is spoken, and whether the spoken notice
    comes first: once per session, as the written disclosure
    (`conversations.guardrails.disclosure`): due when it was never played, or when the
    disclosure was given again since."""
    setting, _ = ConversationVoice.objects.select_related("conversation").get_or_create(
        conversation_id=conversation_id
    )
    if not setting.speak:
        return SpeakingClaim(speak=False, notice_due=False)
    disclosed_at = setting.conversation.disclosed_at
    spoken_at = setting.notice_spoken_at
    due = spoken_at is None or (disclosed_at is not None and disclosed_at > spoken_at)
    return SpeakingClaim(speak=True, notice_due=due)


def notice_record(*, conversation_id: uuid.UUID) -> None:
    """The spoken notice was played in this conversation now."""
    ConversationVoice.objects.filter(conversation_id=conversation_id).update(
        notice_spoken_at=timezone.now(), updated_at=timezone.now()
    )


def speak_chosen(*, conversation_id: uuid.UUID) -> bool:
    """The visitor's text-only toggle: True (spoken) unless they turned the voice off."""
    setting = ConversationVoice.objects.filter(conversation_id=conversation_id).first()
    return setting is None or setting.speak


def speak_set(*, conversation: Conversation, speak: bool) -> ConversationVoice:
    """Turn spoken replies on or off in `conversation` (the text-only toggle)."""
    setting, _ = ConversationVoice.objects.update_or_create(
        conversation=conversation, defaults={"speak": speak}
    )
    return setting


# --- one reply's sentences, from the writer to the speaker ------------------------------

FEED_TTL_SECONDS = 600  # a reply's list of sentences is dropped this long after its last push
SENTENCE_WAIT_SECONDS = 120.0  # the speaker waits this long for the next sentence, then stops
SPEECH_TASK_EXPIRES_SECONDS = 60  # a reply not begun by then is left unspoken (stale)

_redis_client: Any = None
_redis_lock = threading.Lock()


def _redis() -> Any:
    """One client (a pool of connections, shared by threads) per process."""
    global _redis_client
    with _redis_lock:
        if _redis_client is None:
            import redis

            _redis_client = redis.Redis.from_url(settings.REDIS_URL)
        return _redis_client


class SpeechFeed:
    """The reply writer's side (`conversations.speech.ReplySpeech`): queues the reply's
    speaking task and hands it the sentences through a Redis list; every call returns at
    once (a push), so the text never waits for the voice."""

    def __init__(self, *, reply: Message, scope: str) -> None:
        from voice.tasks import voice_reply_speak

        self.key = f"legacy:speech:{uuid.uuid4().hex}"
        voice_reply_speak.enqueue(  # on the speech queue (the task's own), after commit
            memorial_id=reply.conversation.memorial_id,
            message_id=reply.pk,
            scope=scope,
            feed=self.key,
        )

    def _push(self, item: dict[str, Any], *, first: bool = False) -> None:
        """A failed push is logged, never raised: the text goes on (the speaker, with no
        more sentences, stops after SENTENCE_WAIT_SECONDS)."""
        try:
            pipe = _redis().pipeline(transaction=False)
            (pipe.lpush if first else pipe.rpush)(self.key, json.dumps(item))
            pipe.expire(self.key, FEED_TTL_SECONDS)
            pipe.execute()
        except Exception:
            logger.exception("a sentence could not be handed to the voice")

    def sentence(self, text: str) -> None:
        if text.strip():
            self._push({"sentence": text})

    def not_as_them(self) -> None:
        self._push({"generic": True})  # before any sentence: the list keeps the order

    def end(self, *, failed: bool) -> None:
        # A failed reply's stop goes to the front: no sentence still waiting is spoken.
        self._push({"end": True, "failed": failed}, first=failed)


# --- one reply spoken ---------------------------------------------------------------------


class SpeakingSession:
    """One reply spoken by the speech worker's `voice_reply_speak` task, its sentences taken
    from the reply's feed as the text streams (module docstring)."""

    def __init__(self, *, message_id: int, scope: str, feed: str) -> None:
        from conversations.models import Message

        reply = Message.objects.select_related("conversation").get(pk=message_id)
        conversation = reply.conversation
        self.reply_id = reply.pk
        self.seq = reply.seq
        self.conversation_id = conversation.pk
        self.memorial_id = conversation.memorial_id
        self.visitor_id = conversation.visitor_id
        self.scope = scope
        self.feed = feed
        self.stopped = False  # the reply failed, or a consent was withdrawn: no more audio
        self.as_them = True  # False: the guardrails' own words, in a generic voice only
        self.index = 0  # the next audio event's index
        self.last_sent = False
        self.ended = False  # the reply's end was taken from the feed

    def run(self) -> None:
        try:
            self._speak()
        except Exception:
            logger.exception("a reply's speech stopped")
            connection.close()  # a broken connection is not kept for the next reply
        finally:
            _redis().delete(self.feed)

    def _next(self) -> str | None:
        """The next sentence, or None at the reply's end (or when none came in time). A
        marker that the reply is the guardrails' own words is taken on the way."""
        while True:
            popped = _redis().blpop([self.feed], timeout=SENTENCE_WAIT_SECONDS)
            if popped is None:
                logger.warning("a reply's speech had no sentence for %s s", SENTENCE_WAIT_SECONDS)
                self.stopped = self.ended = True
                return None
            item = json.loads(popped[1])
            if item.get("generic"):
                self.as_them = False
                continue
            if item.get("end"):
                self.ended = True
                self.stopped = self.stopped or bool(item.get("failed"))
                return None
            return str(item["sentence"])

    def _speak(self) -> None:
        claim = speaking_claim(conversation_id=self.conversation_id)
        choice = voice_choice(memorial_id=self.memorial_id) if claim.speak else None
        if choice is None:
            return  # text only: no audio at all (the feed is dropped)
        self.choice = choice
        minutes = allowance_check(memorial_id=self.memorial_id, kind=AllowanceKind.VOICE_MINUTES)
        if not minutes.allowed:  # the plan's spoken minutes: the text goes on, unspoken
            if minutes.quota:  # used up this month (a plan without them just stays silent)
                self._send(b"", last=True, notice=minutes.reason)
            return
        failure = ""
        notice_due = claim.notice_due  # spoken before the first sentence, if one comes
        parts: list[bytes] = []
        while not (self.stopped or failure) and (text := self._next()) is not None:
            if not self.as_them and self.choice.voice_id is not None:
                self.choice = VoiceChoice(  # care and refusals: never the person's voice
                    provider=self.choice.provider, voice_id=None, kind=VoiceKind.GENERIC
                )
            if notice_due:
                notice_due = False
                notice_record(conversation_id=self.conversation_id)
                notice, failure = self._synthesise(self._description())
                if failure or not self._send_while_consented(notice, last=False, line=True):
                    continue
            audio, failure = self._synthesise(text)
            if failure:
                continue
            if not self._send_while_consented(audio, last=False):
                continue  # withdrawn: this sentence's audio stays here, and no more is made
            parts.append(audio)
        if failure:
            self._send(b"", last=True, notice=failure)
            self._record(SpokenReplyStatus.FAILED, notice=failure)
        elif self.stopped or not self.ended or not parts:
            if not self.index:
                return  # nothing was spoken: nothing to record
            if not self.last_sent:
                self._send(b"", last=True)
            self._record(SpokenReplyStatus.FAILED)
        else:
            if not self.last_sent:
                self._send(b"", last=True)
            self._store(parts)

    def _send_while_consented(self, audio: bytes, *, last: bool, line: bool = False) -> bool:
        """Send `audio` while holding a share lock on the live consent records it depends
        on (the conversation's; the `voice` consent's when the clone speaks), so a
        withdrawal, which locks that row for update, waits until the audio has left; one
        that committed first stops the reply here, this audio not sent. True when sent."""
        scopes = [self.scope]
        if self.choice.kind == VoiceKind.CLONE:
            scopes.append(ConsentScope.VOICE)
        try:
            with transaction.atomic():
                for scope in scopes:
                    consent_gate().hold(memorial_id=self.memorial_id, scope=scope)
                self._send(audio, last=last, line=line)
        except ConsentRequired:
            self.stopped = True
            return False
        return True

    def _description(self) -> str:
        """What the voice is, in a sentence, and (once read) the memorial's name."""
        memorial = Memorial.objects.only("id", "name_encrypted", "state", "subject_id").get(
            pk=self.memorial_id
        )
        self.name = memorial.name
        return voice_description(
            kind=self.choice.kind, name=self.name, preview=memorial.subject_id == self.visitor_id
        )

    def _synthesise(self, text: str) -> tuple[bytes, str]:
        provider, voice_id = self.choice.provider, self.choice.voice_id
        try:
            return b"".join(provider.speech_stream(text=text, voice_id=voice_id)), ""
        except VoiceProviderError as error:
            logger.warning("speech failed: %s", error)
            return b"", f"{SPEECH_FAILED} ({error.notice})"
        except Exception:
            logger.exception("speech failed")
            return b"", SPEECH_FAILED

    def _send(self, audio: bytes, *, last: bool, notice: str = "", line: bool = False) -> None:
        data: dict[str, Any] = {
            "seq": self.seq,
            "index": self.index,
            "mime": self.choice.provider.speech_mime,
            "audio": base64.b64encode(audio).decode("ascii"),
            "last": last,
            "voice_kind": self.choice.kind,
        }
        if notice:
            data["notice"] = notice
        if line:
            data["line"] = True  # the session's audible AI line, before the reply's words
        event_send_now(  # checked against its declaration, as every event is
            memorial_id=self.memorial_id,
            visitor_id=self.visitor_id,
            kind=EventKind.CONVERSATION_AUDIO,
            data=data,
        )
        self.index += 1
        self.last_sent = last

    def _record(self, status: str, *, notice: str = "", **fields: Any) -> None:
        SpokenReply.objects.update_or_create(
            message_id=self.reply_id,
            defaults={
                "provider": self.choice.provider.name,
                "voice_kind": self.choice.kind,
                "mime": fields.pop("mime", self.choice.provider.speech_mime),
                "status": status,
                "notice": notice[:300],
                "chunks": self.index,
                **fields,
            },
        )

    def _store(self, parts: list[bytes]) -> None:
        """The reply's audio kept (encrypted) for replay, while the conversation's consent
        stands; the step writes nothing when it was withdrawn meanwhile."""
        description = self._description()
        try:
            joined = audio_join(
                parts,
                mime=self.choice.provider.speech_mime,
                title=f"{self.name}: an AI voice",
                comment=description,
            )
        except Exception:
            logger.exception("a spoken reply's audio could not be joined")
            self._record(SpokenReplyStatus.FAILED)
            return
        path = memorial_file_save(
            memorial_id=uuid.UUID(str(self.memorial_id)),
            kind=FILE_KIND,
            name=f"reply-{self.reply_id}{joined.extension}",
            source=io.BytesIO(joined.content),
        )
        try:
            with memorial_step(memorial_id=self.memorial_id, scope=self.scope):
                self._record(
                    SpokenReplyStatus.COMPLETE,
                    path=path,
                    mime=joined.mime,
                    duration_s=joined.duration_s,
                )
                # the plan's spoken minutes count what was stored (`conversations.allowances`)
                reply_spoken_count(
                    memorial_id=self.memorial_id,
                    visitor_id=self.visitor_id,
                    seconds=joined.duration_s or 0,
                )
        except ConsentRequired:
            memorial_file_delete(name=path)
            self._record(SpokenReplyStatus.FAILED)


# --- the registered voice -----------------------------------------------------------------


class Speaker:
    """The voice of `conversations.speech`: speaks replies, and the page's voice controls.
    The setting `LEGACY_SPEAK_REPLIES = False` leaves every reply unspoken."""

    def begin(self, *, reply: Message, scope: str) -> SpeechFeed | None:
        if not settings.LEGACY_SPEAK_REPLIES:
            return None  # replies are not spoken in this installation
        return SpeechFeed(reply=reply, scope=scope)

    def page(
        self, *, access: ConversationAccess, conversation: Conversation | None
    ) -> dict[str, Any]:
        memorial = access.memorial
        choice = voice_choice(memorial_id=memorial.id)
        if choice is None:
            return {}
        can_listen, listen_reason = listening_state()
        replayable: set[int] = set()
        speak = True
        if conversation is not None:
            speak = speak_chosen(conversation_id=conversation.pk)
            replayable = set(
                SpokenReply.objects.filter(
                    message__conversation=conversation, status=SpokenReplyStatus.COMPLETE
                )
                .exclude(path="")
                .values_list("message__seq", flat=True)
            )
        return {
            "template": "voice/speech/_controls.html",
            "about_template": "voice/speech/_about.html",
            "replay_template": "voice/speech/_replay.html",
            "kind": choice.kind,
            "description": voice_description(
                kind=choice.kind, name=memorial.name, preview=access.preview
            ),
            "label": getattr(choice.provider, "label", ""),
            "speak": speak,
            "replayable": replayable,
            "speak_url": reverse("voice:speak", args=[memorial.id]),
            "listen_url": reverse("voice:listen", args=[memorial.id]),
            "replay_url": reverse("voice:reply_audio", args=[memorial.id, 0]),
            "replies_url": reverse("voice:replies", args=[memorial.id]),
            "line_url": reverse("voice:line", args=[memorial.id]),
            "can_listen": can_listen,
            "listen_reason": listen_reason,
        }


def reply_speech_missed(*, message_id: int, feed: str) -> None:
    """Reply `message_id`'s speaking task was dropped unstarted (it waited longer than
    SPEECH_TASK_EXPIRES_SECONDS behind others: `voice.tasks`): its visitor is told, in a
    last audio event with a notice, as when the voice fails, and the reply is marked
    failed; its words stand. Nothing is said when no voice speaks there now."""
    try:
        session = SpeakingSession(message_id=message_id, scope="", feed=feed)
        choice = voice_choice(memorial_id=session.memorial_id)
        if choice is None or not speak_chosen(conversation_id=session.conversation_id):
            return
        session.choice = choice
        session._send(b"", last=True, notice=SPEECH_LATE)
        session._record(SpokenReplyStatus.FAILED, notice=SPEECH_LATE)
    finally:
        _redis().delete(feed)


def speech_worker_warm() -> None:
    """Load the configured voice now (the offline Piper voice; a service's voice has nothing
    to load), and wait until it is loaded: called by the speech worker as it starts
    (`voice.tasks`), so its first reply does not wait for the model. A voice that cannot be
    loaded is logged here and told on the first reply, as before."""
    if not settings.LEGACY_SPEAK_REPLIES:
        return
    try:
        provider = voice_provider()
    except VoiceProviderUnavailable:
        return
    warm = getattr(provider, "warm", None)
    if callable(warm):
        warm(listening=False).join()


def reply_speak(*, message_id: int, scope: str, feed: str) -> None:
    """Speak reply `message_id` from its feed (the speech worker's task; module docstring)."""
    SpeakingSession(message_id=message_id, scope=scope, feed=feed).run()


def spoken_reply_for(*, memorial_id: uuid.UUID | str, visitor: Any, seq: int) -> SpokenReply | None:
    """Reply `seq`'s stored audio in `visitor`'s own conversation, when it was spoken whole."""
    return (
        SpokenReply.objects.filter(
            message__conversation__memorial_id=memorial_id,
            message__conversation__visitor=visitor,
            message__seq=seq,
            status=SpokenReplyStatus.COMPLETE,
        )
        .exclude(path="")
        .first()
    )


@dataclass(frozen=True)
class SessionLine:
    content: bytes
    mime: str
    extension: str


def session_line_audio(
    *, memorial_id: uuid.UUID | str, name: str, preview: bool
) -> SessionLine | None:
    """The audible AI line of a voice session ("This is an AI voice made from Ann's
    recordings..."), spoken again now in the voice that speaks this memorial's replies now,
    tagged as an AI voice in its metadata as a kept reply is: for a page that has not played
    it (its socket was away when it was sent) before it plays any of the voice. None when
    no voice speaks here, or when it cannot be spoken now (logged)."""
    choice = voice_choice(memorial_id=memorial_id)
    if choice is None:
        return None
    description = voice_description(kind=choice.kind, name=name, preview=preview)
    try:
        audio = b"".join(choice.provider.speech_stream(text=description, voice_id=choice.voice_id))
        joined = audio_join(
            [audio],
            mime=choice.provider.speech_mime,
            title=f"{name}: an AI voice",
            comment=description,
        )
    except Exception:
        logger.exception("the session's AI line could not be spoken")
        return None
    return SessionLine(content=joined.content, mime=joined.mime, extension=joined.extension)


SPOKEN_REPLIES_AT_MOST = 20


@dataclass(frozen=True)
class SpokenReplyState:
    seq: int
    status: str  # SpokenReplyStatus.COMPLETE (kept to play) or FAILED (with its notice)
    notice: str


def spoken_replies_after(
    *, memorial_id: uuid.UUID | str, visitor: Any, after: int
) -> list[SpokenReplyState]:
    """The replies after `after` in `visitor`'s own conversation whose speaking has ended:
    spoken whole and kept to play, or not spoken with a notice saying why (up to
    SPOKEN_REPLIES_AT_MOST, oldest first). For a page that missed their audio events (its
    socket was reconnecting, or it opened while they were spoken): those are not sent again."""
    rows = (
        SpokenReply.objects.filter(
            message__conversation__memorial_id=memorial_id,
            message__conversation__visitor=visitor,
            message__seq__gt=after,
            status__in=[SpokenReplyStatus.COMPLETE, SpokenReplyStatus.FAILED],
        )
        .order_by("message__seq")
        .values_list("message__seq", "status", "path", "notice")[:SPOKEN_REPLIES_AT_MOST]
    )
    return [
        SpokenReplyState(seq=seq, status=status, notice=notice)
        for seq, status, path, notice in rows
        if (status == SpokenReplyStatus.COMPLETE and path) or notice
    ]
