from tests.consent.conftest import consent_documents  # noqa: F401
