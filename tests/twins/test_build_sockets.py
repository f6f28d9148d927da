"""A twin build's progress on the memorial's sockets: the subject and the stewards see it,
family members never do."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from core.consent import ConsentScope
from memorials.models import Role
from tests.consent.factories import grant_consent
from tests.memorials.factories import MembershipFactory, MemorialFactory
from tests.memorials.test_consumers import connected, session_cookie_for
from twins.services.versions import twin_build_start
from twins.tasks import twin_build

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def memorial_with_everyone():
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY)
    return memorial, steward, family


async def test_build_progress_reaches_the_subject_and_stewards_only(monkeypatch):
    monkeypatch.setattr(twin_build, "apply_async", lambda **kwargs: None)  # no worker here
    memorial, steward, family = await memorial_with_everyone()
    subject_socket = await connected(memorial.id, await session_cookie_for(memorial.subject))
    steward_socket = await connected(memorial.id, await session_cookie_for(steward.user))
    family_socket = await connected(memorial.id, await session_cookie_for(family.user))

    await database_sync_to_async(twin_build_start)(memorial_id=memorial.id, actor=None)

    for communicator in (subject_socket, steward_socket):
        message = await communicator.receive_json_from(timeout=5)
        assert message["kind"] == "twin.build"
        assert message["data"]["status"] == "queued" and message["data"]["percent"] == 0
    assert await family_socket.receive_nothing(timeout=0.5)
    for communicator in (subject_socket, steward_socket, family_socket):
        await communicator.disconnect()
