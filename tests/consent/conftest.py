import pytest

from tests.consent.factories import consent_documents_install


@pytest.fixture
def consent_documents(django_db_blocker):
    with django_db_blocker.unblock():
        consent_documents_install()
