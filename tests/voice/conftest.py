from tests.consent.conftest import consent_documents  # noqa: F401
from tests.voice.subject_helpers import deaf, listening, media_root, voiced  # noqa: F401
