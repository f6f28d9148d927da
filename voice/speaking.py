"""The twin speaking its replies, sentence by sentence, as they are written.

`Speaker` is registered into `conversations.speech` (in `VoiceConfig.ready`). For each reply
it starts a `SpeakingSession`: a thread fed a queue of the reply's checked
sentences, so the text never waits for the voice. The thread (from a pool kept with its
database connections, so speech starts without connecting first):
- reads the visitor's choice (`ConversationVoice.speak`, the text-only toggle; on unless
  they turned it off) and stops at once when they chose text only: no audio is made;
- chooses whose voice (`voice_choice`): the subject's clone while it is live at the
  configured provider and the `voice` consent stands, else the provider's generic voice;
- at a voice session's start (the written disclosure was given since the spoken notice was
  last played: `speaking_claim`) speaks a line before the reply's first sentence, saying
  that this is an AI voice made from the person's recordings, or a generic voice that is
  not theirs;
- speaks each sentence through `voice_provider().speech_stream` and, the conversation's
  consent asked again once it is made (a withdrawal stops the rest, and that sentence's audio
  is not sent), sends its whole audio as one `conversation.audio` event (so the browser can
  decode each and play them back to back), `index` from 0, `last` on the final one;
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
import logging
import queue
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from consent.gate import consent_is_granted
from core.allowances import AllowanceKind, allowance_check
from core.consent import ConsentRequired, ConsentScope
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
SPEECH_THREADS = 32  # replies spoken at once in one process (more wait for a thread)
END_WAIT_SECONDS = 120.0  # how long the end of a reply waits for its last sentences' audio
SPEECH_FAILED = "The voice could not speak this reply. Its words are all here."
_END = object()


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


# --- one reply spoken ---------------------------------------------------------------------


class SpeakingSession:
    """One reply spoken beside the text by a thread of the speaking pool (module
    docstring)."""

    def __init__(self, *, reply: Message, scope: str) -> None:
        conversation = reply.conversation
        self.reply_id = reply.pk
        self.seq = reply.seq
        self.conversation_id = conversation.pk
        self.memorial_id = conversation.memorial_id
        self.visitor_id = conversation.visitor_id
        self.scope = scope
        self.sentences: queue.Queue[object] = queue.Queue()
        self.stopped = threading.Event()
        self.as_them = True  # False: the guardrails' own words, in a generic voice only
        self.index = 0  # the next audio event's index
        self.last_sent = False
        self.ended = False  # the reply's end was taken from the queue
        self.spoken_seconds = 0.0  # of audio stored, once it is
        self.done = _pool().submit(self._run)

    # from the reply's writer: never waits

    def sentence(self, text: str) -> None:
        if text.strip():
            self.sentences.put(text)

    def not_as_them(self) -> None:
        self.as_them = False  # read by the thread after the first sentence, put after this

    def end(self, *, failed: bool) -> float:
        """Speak what is left (or stop, when the reply `failed`), then store the audio;
        waits for that here, after the text's end was sent. Returns the seconds of audio
        stored (the plan's spoken minutes count them)."""
        if failed:
            self.stopped.set()
        self.sentences.put(_END)
        try:
            self.done.result(timeout=END_WAIT_SECONDS)
        except FutureTimeout:
            self.stopped.set()
            logger.warning("a reply's speech was still going after %s s", END_WAIT_SECONDS)
        return self.spoken_seconds

    # in a thread of the pool

    def _run(self) -> None:
        try:
            self._speak()
        except Exception:
            logger.exception("a reply's speech stopped")
            connection.close()  # a broken connection is not kept for the next reply
            if not self.ended:
                self._drain()

    def _next(self) -> object:
        item = self.sentences.get()
        self.ended = item is _END
        return item

    def _end_is_next(self) -> bool:
        with self.sentences.mutex:
            return bool(self.sentences.queue) and self.sentences.queue[0] is _END

    def _drain(self) -> None:
        while self._next() is not _END:
            pass

    def _speak(self) -> None:
        claim = speaking_claim(conversation_id=self.conversation_id)
        choice = voice_choice(memorial_id=self.memorial_id) if claim.speak else None
        if choice is None:
            self._drain()  # text only: no audio at all
            return
        self.choice = choice
        minutes = allowance_check(memorial_id=self.memorial_id, kind=AllowanceKind.VOICE_MINUTES)
        if not minutes.allowed:  # the plan's spoken minutes: the text goes on, unspoken
            self._drain()
            if minutes.quota:  # used up this month (a plan without them just stays silent)
                self._send(b"", last=True, notice=minutes.reason)
            return
        failure = ""
        notice_due = claim.notice_due  # spoken before the first sentence, if one comes
        parts: list[bytes] = []
        while (text := self._next()) is not _END:
            if self.stopped.is_set() or failure:
                continue
            if not self.as_them and self.choice.voice_id is not None:
                self.choice = VoiceChoice(  # care and refusals: never the person's voice
                    provider=self.choice.provider, voice_id=None, kind=VoiceKind.GENERIC
                )
            if notice_due:
                notice_due = False
                notice_record(conversation_id=self.conversation_id)
                if failure := self._say(self._description()):
                    continue
            audio, failure = self._synthesise(str(text))
            if not consent_is_granted(memorial_id=self.memorial_id, scope=self.scope):
                self.stopped.set()  # withdrawn as the sentence was stored: its audio stays here
                continue
            if not failure:
                parts.append(audio)
                self._send(audio, last=self._end_is_next() and not self.stopped.is_set())
        if failure:
            self._send(b"", last=True, notice=failure)
            self._record(SpokenReplyStatus.FAILED, notice=failure)
        elif self.stopped.is_set() or not parts:
            if not self.index:
                return  # nothing was spoken: nothing to record
            if not self.last_sent:
                self._send(b"", last=True)
            self._record(SpokenReplyStatus.FAILED)
        else:
            if not self.last_sent:
                self._send(b"", last=True)
            self._store(parts)

    def _description(self) -> str:
        """What the voice is, in a sentence, and (once read) the memorial's name."""
        memorial = Memorial.objects.only("id", "name_encrypted", "state", "subject_id").get(
            pk=self.memorial_id
        )
        self.name = memorial.name
        return voice_description(
            kind=self.choice.kind, name=self.name, preview=memorial.subject_id == self.visitor_id
        )

    def _say(self, text: str) -> str:
        """Speak a line that is not part of the reply (the notice); "" or the failure."""
        audio, failure = self._synthesise(text)
        if not failure:
            self._send(audio, last=False)
        return failure

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

    def _send(self, audio: bytes, *, last: bool, notice: str = "") -> None:
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
            self.spoken_seconds = float(joined.duration_s or 0)
        except ConsentRequired:
            memorial_file_delete(name=path)
            self._record(SpokenReplyStatus.FAILED)


_speaking_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The threads that speak replies, kept (with their database connections) across
    replies, so a reply's speech starts without connecting first."""
    global _speaking_pool
    with _pool_lock:
        if _speaking_pool is None:
            _speaking_pool = ThreadPoolExecutor(
                max_workers=SPEECH_THREADS, thread_name_prefix="speech"
            )
        return _speaking_pool


# --- the registered voice -----------------------------------------------------------------


class Speaker:
    """The voice of `conversations.speech`: speaks replies, and the page's voice controls.
    The setting `LEGACY_SPEAK_REPLIES = False` leaves every reply unspoken."""

    def begin(self, *, reply: Message, scope: str) -> SpeakingSession | None:
        if not settings.LEGACY_SPEAK_REPLIES:
            return None  # replies are not spoken in this installation
        return SpeakingSession(reply=reply, scope=scope)

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
            "can_listen": can_listen,
            "listen_reason": listen_reason,
        }


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
