"""The memorial event socket, through the real ASGI stack and the Redis channel layer."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from core.events import memorial_event_broadcast
from legacy.asgi import application
from memorials.consumers import CLOSE_NOT_FOUND
from memorials.models import Role
from tests.accounts.factories import UserFactory
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def socket(memorial_id, cookie: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, f"/ws/memorials/{memorial_id}/events/", headers)


async def test_a_member_receives_events_broadcast_to_the_memorial():
    membership = await database_sync_to_async(MembershipFactory)(role=Role.FAMILY)
    communicator = socket(membership.memorial_id, await session_cookie_for(membership.user))
    connected, _ = await communicator.connect()
    assert connected
    await database_sync_to_async(memorial_event_broadcast)(
        memorial_id=membership.memorial_id, kind="build", data={"percent": 40}
    )
    assert await communicator.receive_json_from(timeout=5) == {
        "kind": "build",
        "data": {"percent": 40},
    }
    await communicator.disconnect()


async def test_events_of_one_memorial_do_not_reach_another():
    mine = await database_sync_to_async(MembershipFactory)()
    other = await database_sync_to_async(MembershipFactory)()
    communicator = socket(mine.memorial_id, await session_cookie_for(mine.user))
    assert (await communicator.connect())[0]
    await database_sync_to_async(memorial_event_broadcast)(
        memorial_id=other.memorial_id, kind="build", data={}
    )
    await asyncio.sleep(0.3)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_a_stranger_is_closed_with_not_found():
    membership = await database_sync_to_async(MembershipFactory)()
    stranger = await database_sync_to_async(UserFactory)()
    communicator = socket(membership.memorial_id, await session_cookie_for(stranger))
    connected, code = await communicator.connect()
    assert not connected
    assert code == CLOSE_NOT_FOUND


async def test_an_anonymous_visitor_is_closed_with_not_found():
    membership = await database_sync_to_async(MembershipFactory)()
    connected, code = await socket(membership.memorial_id).connect()
    assert not connected
    assert code == CLOSE_NOT_FOUND
