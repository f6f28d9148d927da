"""The voice app's consent-gated entry points, for tests/consent/test_gate_entry_points.py:
(name, scope, callable(memorial)) — the callable does the gated thing once."""

import contextlib
import io
import uuid

from core.consent import ConsentScope
from voice.models import SampleSource, SpokenConsent, VoiceSample
from voice.samples import sample_add, sample_reanalyse
from voice.services import voice_clone_register
from voice.spoken_consent import spoken_consent_record, spoken_consent_start


def _sample_row(memorial) -> VoiceSample:
    from core.crypto import memorial_cipher

    return VoiceSample.objects.create(
        memorial=memorial,
        source=SampleSource.UPLOADED,
        name_encrypted=memorial_cipher(memorial_id=memorial.id).encrypt_text("a.wav"),
        size=1,
        content_hash=uuid.uuid4().hex,
        path="",
        status="failed",
    )


def _spoken_record(memorial) -> None:
    """Refused at the gate before the file is read; with consent it gets as far as reading
    the (empty) recording, which is refused as such."""
    from consent.models import ConsentRecord
    from voice.spoken_consent import SpokenConsentError

    record = ConsentRecord.objects.filter(memorial=memorial, scope="voice").first()
    spoken = SpokenConsent.objects.create(
        memorial=memorial, consent=record, statement="I agree. apple river candle 12",
        phrase="apple river candle 12",
    )  # fmt: skip
    with contextlib.suppress(SpokenConsentError):
        spoken_consent_record(spoken=spoken, file=io.BytesIO(b""), name="consent.webm")


VOICE_ENTRY_POINTS = [
    (
        "voice.services.voice_clone_register",
        ConsentScope.VOICE,
        lambda memorial: voice_clone_register(
            memorial_id=memorial.id, provider="offline", remote_id=f"clone-{uuid.uuid4()}"
        ),
    ),
    (
        "voice.samples.sample_add",
        ConsentScope.VOICE,
        lambda memorial: sample_add(
            memorial_id=memorial.id, file=io.BytesIO(uuid.uuid4().bytes), name="a.wav"
        ),
    ),
    (
        "voice.samples.sample_reanalyse",
        ConsentScope.VOICE,
        lambda memorial: sample_reanalyse(sample=_sample_row(memorial)),
    ),
    (
        "voice.spoken_consent.spoken_consent_start",
        ConsentScope.VOICE,
        lambda memorial: spoken_consent_start(memorial=memorial),
    ),
    ("voice.spoken_consent.spoken_consent_record", ConsentScope.VOICE, _spoken_record),
]
