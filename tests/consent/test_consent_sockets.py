"""A withdrawal reaches open sockets through the real Redis channel layer."""

import pytest
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path

from consent.consumers import (
    CLOSE_CONSENT_REVOKED,
    REVOKED_NOTICE,
    ConsentBoundConsumerMixin,
)
from consent.services import consent_revoke
from core.consent import ConsentScope
from core.events import Audience, EventKind, event_send_on_commit, memorial_audience_group
from tests.consent.factories import ConsentRecordFactory
from tests.memorials.test_consumers import session_cookie_for, socket

pytestmark = pytest.mark.django_db(transaction=True)


class ConversationLikeConsumer(ConsentBoundConsumerMixin, AsyncJsonWebsocketConsumer):
    """What a conversation consumer does: joins the memorial's events, relies on a scope."""

    consent_scopes = (ConsentScope.CONVERSATION_LIVING,)

    async def connect(self):
        self.group = memorial_audience_group(
            memorial_id=self.scope["url_route"]["kwargs"]["memorial_id"], audience=Audience.MEMBERS
        )
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def memorial_event(self, event):
        if await self.consent_revocation_close(event):
            return
        await self.send_json({"kind": event["kind"], "data": event["data"]})


conversation_app = URLRouter(
    [path("ws/test/<uuid:memorial_id>/", ConversationLikeConsumer.as_asgi())]
)


async def test_the_memorial_page_socket_is_told_of_a_withdrawal():
    record = await database_sync_to_async(ConsentRecordFactory)(scope=ConsentScope.VOICE)
    memorial = record.memorial
    communicator = socket(memorial.id, await session_cookie_for(memorial.subject))
    assert (await communicator.connect())[0]
    await database_sync_to_async(consent_revoke)(
        user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.VOICE
    )
    assert await communicator.receive_json_from(timeout=5) == {
        "kind": "consent.revoked",
        "data": {"scope": "voice"},
    }
    await communicator.disconnect()


async def test_a_conversation_socket_gets_the_notice_and_is_closed():
    record = await database_sync_to_async(ConsentRecordFactory)(
        scope=ConsentScope.CONVERSATION_LIVING
    )
    memorial = record.memorial
    communicator = WebsocketCommunicator(conversation_app, f"/ws/test/{memorial.id}/")
    assert (await communicator.connect())[0]
    # a withdrawal of another scope does not end it
    await database_sync_to_async(event_send_on_commit)(
        memorial_id=memorial.id, kind=EventKind.CONSENT_REVOKED, data={"scope": "voice"}
    )
    assert (await communicator.receive_json_from(timeout=5))["data"] == {"scope": "voice"}
    # its own scope's does
    await database_sync_to_async(consent_revoke)(
        user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CONVERSATION_LIVING
    )
    assert await communicator.receive_json_from(timeout=5) == {
        "kind": "consent.revoked",
        "data": {"scope": "conversation_living", "message": REVOKED_NOTICE},
    }
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_CONSENT_REVOKED,
    }
    await communicator.wait()
