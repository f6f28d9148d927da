"""The twin speaking its replies, sentence by sentence, as they are written.

`Speaker` is registered into `conversations.speech` (in `VoiceConfig.ready`). For each reply
it starts a `SpeakingSession`: a thread of its own, fed a queue of the reply's checked
sentences, so the text never waits for the voice. The thread:
- reads the visitor's choice (`ConversationVoice.speak`, the text-only toggle; on unless
  they turned it off) and stops at once when they chose text only: no audio is made;
- chooses whose voice (`voice_choice`): the subject's clone while it is live at the
  configured provider and the `voice` consent stands, else the provider's generic voice;
- at a voice session's start (the written disclosure was given since the spoken notice was
  last played: `notice_claim`) speaks a line first, saying that this is an AI voice made from
  the person's recordings, or a generic voice that is not theirs;
- speaks each sentence through `voice_provider().speech_stream` and sends its whole audio as
  one `conversation.audio` event (so the browser can decode each and play them back to
  back), `index` from 0, `last` on the final one;
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import close_old_connections, connection, transaction
from django.urls import reverse
from django.utils import timezone

from consent.gate import consent_is_granted
from core.consent import ConsentRequired, ConsentScope
from core.events import EventKind, event_send_on_commit
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


def notice_claim(*, conversation_id: int) -> bool:
    """Whether the spoken notice is due in this conversation now, recorded if it is: once
    per session, as the written disclosure (`conversations.guardrails.disclosure`): due when
    it was never played, or when the disclosure was given again since."""
    with transaction.atomic():
        setting, _ = ConversationVoice.objects.select_for_update().get_or_create(
            conversation_id=conversation_id
        )
        disclosed_at = setting.conversation.disclosed_at
        spoken_at = setting.notice_spoken_at
        if spoken_at is not None and (disclosed_at is None or disclosed_at <= spoken_at):
            return False
        setting.notice_spoken_at = timezone.now()
        setting.save(update_fields=["notice_spoken_at", "updated_at"])
    return True


def speak_chosen(*, conversation_id: int) -> bool:
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
    """One reply spoken by a thread of its own beside the text (module docstring)."""

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
        self.index = 0  # the next audio event's index
        self.last_sent = False
        self.thread = threading.Thread(
            target=self._run, name=f"speech-{self.reply_id}", daemon=True
        )
        self.thread.start()

    # from the reply's writer: never waits

    def sentence(self, text: str) -> None:
        if text.strip():
            self.sentences.put(text)

    def end(self, *, failed: bool) -> None:
        """Speak what is left (or stop, when the reply `failed`), then store the audio;
        waits for that here, after the text's end was sent."""
        if failed:
            self.stopped.set()
        self.sentences.put(_END)
        self.thread.join(timeout=END_WAIT_SECONDS)

    # in the session's thread

    def _run(self) -> None:
        close_old_connections()
        try:
            self._speak()
        except Exception:
            logger.exception("a reply's speech stopped")
        finally:
            connection.close()

    def _next(self) -> object:
        return self.sentences.get()

    def _end_is_next(self) -> bool:
        with self.sentences.mutex:
            return bool(self.sentences.queue) and self.sentences.queue[0] is _END

    def _drain(self) -> None:
        while self._next() is not _END:
            pass

    def _speak(self) -> None:
        if not speak_chosen(conversation_id=self.conversation_id):
            self._drain()  # text only: no audio at all
            return
        choice = voice_choice(memorial_id=self.memorial_id)
        if choice is None:
            self._drain()
            return
        memorial = Memorial.objects.only("id", "name_encrypted", "state", "subject_id").get(
            pk=self.memorial_id
        )
        description = voice_description(
            kind=choice.kind, name=memorial.name, preview=memorial.subject_id == self.visitor_id
        )
        spoken, _ = SpokenReply.objects.update_or_create(
            message_id=self.reply_id,
            defaults={
                "provider": choice.provider.name,
                "voice_kind": choice.kind,
                "mime": choice.provider.speech_mime,
                "status": SpokenReplyStatus.SPEAKING,
            },
        )
        self.choice = choice
        failure = ""
        if notice_claim(conversation_id=self.conversation_id):
            failure = self._say(description)
        parts: list[bytes] = []
        while (text := self._next()) is not _END:
            if self.stopped.is_set() or failure:
                continue
            audio, failure = self._synthesise(str(text))
            if not failure:
                parts.append(audio)
                self._send(audio, last=self._end_is_next() and not self.stopped.is_set())
        if failure:
            self._send(b"", last=True, notice=failure)
            self._status(spoken, SpokenReplyStatus.FAILED, notice=failure)
            return
        if not self.last_sent and self.index:
            self._send(b"", last=True)
        if self.stopped.is_set() or not parts:
            self._status(spoken, SpokenReplyStatus.FAILED)
            return
        self._store(spoken, parts, title=f"{memorial.name}: an AI voice", comment=description)

    def _say(self, text: str) -> str:
        """Speak a line that is not part of the reply (the notice); "" or the failure."""
        audio, failure = self._synthesise(text)
        if not failure:
            self._send(audio, last=False)
        return failure

    def _synthesise(self, text: str) -> tuple[bytes, str]:
        try:
            return b"".join(
                self.choice.provider.speech_stream(text=text, voice_id=self.choice.voice_id)
            ), ""
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
        event_send_on_commit(  # no transaction is open here: it leaves at once
            memorial_id=self.memorial_id,
            visitor_id=self.visitor_id,
            kind=EventKind.CONVERSATION_AUDIO,
            data=data,
        )
        self.index += 1
        self.last_sent = last

    def _status(self, spoken: SpokenReply, status: str, *, notice: str = "") -> None:
        SpokenReply.objects.filter(pk=spoken.pk).update(
            status=status, notice=notice[:300], chunks=self.index, updated_at=timezone.now()
        )

    def _store(self, spoken: SpokenReply, parts: list[bytes], *, title: str, comment: str) -> None:
        """The reply's audio kept (encrypted) for replay, while the conversation's consent
        stands; the step writes nothing when it was withdrawn meanwhile."""
        try:
            joined = audio_join(parts, mime=spoken.mime, title=title, comment=comment)
        except Exception:
            logger.exception("a spoken reply's audio could not be joined")
            self._status(spoken, SpokenReplyStatus.FAILED)
            return
        path = memorial_file_save(
            memorial_id=uuid.UUID(str(self.memorial_id)),
            kind=FILE_KIND,
            name=f"reply-{self.reply_id}{joined.extension}",
            source=io.BytesIO(joined.content),
        )
        try:
            with memorial_step(memorial_id=self.memorial_id, scope=self.scope):
                SpokenReply.objects.filter(pk=spoken.pk).update(
                    path=path,
                    mime=joined.mime,
                    duration_s=joined.duration_s,
                    chunks=self.index,
                    status=SpokenReplyStatus.COMPLETE,
                    updated_at=timezone.now(),
                )
        except ConsentRequired:
            memorial_file_delete(name=path)
            self._status(spoken, SpokenReplyStatus.FAILED)


# --- the registered voice -----------------------------------------------------------------


class Speaker:
    """The voice of `conversations.speech`: speaks replies, and the page's voice controls."""

    def begin(self, *, reply: Message, scope: str) -> SpeakingSession | None:
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
