"""The memorial event socket, through the real ASGI stack and the Redis channel layer: each
role receives the events of its audiences, and a socket ends with its session and with its
membership."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.crypto import memorial_cipher
from core.events import Audience, EventKind, SocketClose, event_send_on_commit
from corpus.models import Upload
from corpus.services.uploads import upload_event_send
from legacy.asgi import application
from memorials.consumers import CLOSE_NOT_FOUND
from memorials.models import MemorialState, Role
from memorials.selectors import ROLE_AUDIENCES
from memorials.services import membership_remove, memorial_transition
from tests.accounts.factories import UserFactory
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db(transaction=True)


def cookie_of(client: Client) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@database_sync_to_async
def signed_in(user) -> Client:
    """A browser signed in as `user`: its own session."""
    client = Client()
    client.force_login(user)
    return client


async def session_cookie_for(user) -> str:
    return cookie_of(await signed_in(user))


def socket(memorial_id, cookie: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, f"/ws/memorials/{memorial_id}/events/", headers)


async def connected(memorial_id, cookie: str) -> WebsocketCommunicator:
    communicator = socket(memorial_id, cookie)
    assert (await communicator.connect())[0]
    return communicator


async def closed_with(communicator: WebsocketCommunicator, *, timeout: float = 5) -> int:
    output = await communicator.receive_output(timeout=timeout)
    assert output["type"] == "websocket.close", output
    return output["code"]


@database_sync_to_async
def memorial_with_everyone():
    memorial = MemorialFactory()
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY)
    return memorial, steward, family


@database_sync_to_async
def upload_of(memorial) -> Upload:
    cipher = memorial_cipher(memorial_id=memorial.id)
    return Upload.objects.create(
        memorial=memorial,
        name_encrypted=cipher.encrypt_text("letters-to-my-secret-lover.txt"),
        outcomes_encrypted=cipher.encrypt_text("[]"),
        size=10,
        sha256="0" * 64,
        path="x",
    )


async def test_a_member_receives_the_memorials_state_changes():
    membership = await database_sync_to_async(MembershipFactory)(role=Role.FAMILY)
    communicator = await connected(
        membership.memorial_id, await session_cookie_for(membership.user)
    )
    await database_sync_to_async(memorial_transition)(
        memorial=membership.memorial, to=MemorialState.SEALED
    )
    assert await communicator.receive_json_from(timeout=5) == {
        "kind": "state",
        "data": {"state": "sealed"},
    }
    await communicator.disconnect()


async def test_upload_events_reach_the_subject_alone():
    memorial, steward, family = await memorial_with_everyone()
    subject_socket = await connected(memorial.id, await session_cookie_for(memorial.subject))
    steward_socket = await connected(memorial.id, await session_cookie_for(steward.user))
    family_socket = await connected(memorial.id, await session_cookie_for(family.user))
    # when an upload's status is sent, as the ingest sends it
    upload = await upload_of(memorial)
    await database_sync_to_async(upload_event_send)(upload)
    # then the subject's socket has it, file name and all
    message = await subject_socket.receive_json_from(timeout=5)
    assert message["kind"] == "upload"
    assert message["data"]["name"] == "letters-to-my-secret-lover.txt"
    # and neither the steward's nor the family member's socket ever does
    assert await steward_socket.receive_nothing(timeout=0.5)
    assert await family_socket.receive_nothing(timeout=0.5)
    # though both are live: an event for every member reaches them
    await database_sync_to_async(memorial_transition)(memorial=memorial, to=MemorialState.SEALED)
    for communicator in (steward_socket, family_socket, subject_socket):
        assert (await communicator.receive_json_from(timeout=5))["kind"] == "state"
    for communicator in (subject_socket, steward_socket, family_socket):
        await communicator.disconnect()


async def test_events_of_one_memorial_do_not_reach_another():
    mine = await database_sync_to_async(MembershipFactory)()
    other = await database_sync_to_async(MembershipFactory)()
    communicator = await connected(mine.memorial_id, await session_cookie_for(mine.user))
    await database_sync_to_async(event_send_on_commit)(
        memorial_id=other.memorial_id, kind=EventKind.STATE, data={"state": "sealed"}
    )
    await asyncio.sleep(0.3)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_a_stranger_is_closed_with_not_found():
    membership = await database_sync_to_async(MembershipFactory)()
    stranger = await database_sync_to_async(UserFactory)()
    communicator = socket(membership.memorial_id, await session_cookie_for(stranger))
    connected_, code = await communicator.connect()
    assert not connected_
    assert code == CLOSE_NOT_FOUND


async def test_an_anonymous_visitor_is_closed_with_not_found():
    membership = await database_sync_to_async(MembershipFactory)()
    connected_, code = await socket(membership.memorial_id).connect()
    assert not connected_
    assert code == CLOSE_NOT_FOUND


async def test_signing_out_closes_the_sockets_of_that_session_only():
    membership = await database_sync_to_async(MembershipFactory)(role=Role.FAMILY)
    browser, phone = await signed_in(membership.user), await signed_in(membership.user)
    browser_socket = await connected(membership.memorial_id, cookie_of(browser))
    phone_socket = await connected(membership.memorial_id, cookie_of(phone))
    # when the browser signs out through the real sign-out view
    response = await sync_to_async(browser.post)(reverse("account_logout"))
    assert response.status_code == 302
    # then its socket closes, saying why
    assert await closed_with(browser_socket) == SocketClose.SIGNED_OUT
    # and the phone, another session, stays open and live
    await database_sync_to_async(memorial_transition)(
        memorial=membership.memorial, to=MemorialState.SEALED
    )
    assert (await phone_socket.receive_json_from(timeout=5))["kind"] == "state"
    await phone_socket.disconnect()


@database_sync_to_async
def session_expiry_set(client: Client, *, seconds: int) -> None:
    session = client.session
    session.set_expiry(seconds)
    session.save()


async def signed_in_until(user, *, seconds: int) -> Client:
    client = await signed_in(user)
    await session_expiry_set(client, seconds=seconds)
    return client


async def test_a_socket_closes_when_its_session_expires():
    membership = await database_sync_to_async(MembershipFactory)(role=Role.FAMILY)
    client = await signed_in_until(membership.user, seconds=2)
    communicator = await connected(membership.memorial_id, cookie_of(client))
    started = timezone.now()
    assert await closed_with(communicator, timeout=10) == SocketClose.SESSION_EXPIRED
    assert timezone.now() - started >= timedelta(seconds=1)  # at the expiry, not at once


async def test_a_socket_whose_session_was_extended_stays_open():
    membership = await database_sync_to_async(MembershipFactory)(role=Role.FAMILY)
    client = await signed_in_until(membership.user, seconds=2)
    communicator = await connected(membership.memorial_id, cookie_of(client))
    # the session is renewed (as a visit does) before it would have ended
    await session_expiry_set(client, seconds=3600)
    await asyncio.sleep(3)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_removing_a_membership_closes_that_persons_sockets_on_that_memorial():
    memorial, steward, family = await memorial_with_everyone()
    elsewhere = await database_sync_to_async(MembershipFactory)(user=family.user)
    family_cookie = await session_cookie_for(family.user)
    family_socket = await connected(memorial.id, family_cookie)
    family_elsewhere = await connected(elsewhere.memorial_id, family_cookie)
    steward_socket = await connected(memorial.id, await session_cookie_for(steward.user))
    # when the subject removes the family member
    await database_sync_to_async(membership_remove)(
        memorial=memorial, membership=family, actor=memorial.subject
    )
    # then their socket on this memorial closes, saying why
    assert await closed_with(family_socket) == SocketClose.MEMBERSHIP_REMOVED
    # and nobody else's does, nor theirs on another memorial
    assert await steward_socket.receive_nothing(timeout=0.5)
    assert await family_elsewhere.receive_nothing(timeout=0.1)
    # and they cannot come back
    connected_, code = await socket(memorial.id, family_cookie).connect()
    assert (connected_, code) == (False, CLOSE_NOT_FOUND)
    await steward_socket.disconnect()
    await family_elsewhere.disconnect()


def test_every_role_receives_member_events_and_only_the_subject_receives_subject_events():
    assert set(ROLE_AUDIENCES) == set(Role)
    assert all(Audience.MEMBERS in audiences for audiences in ROLE_AUDIENCES.values())
    assert [role for role, a in ROLE_AUDIENCES.items() if Audience.SUBJECT in a] == [Role.SUBJECT]
