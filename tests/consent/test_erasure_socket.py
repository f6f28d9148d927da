"""An erasure closes the memorial's open pages' sockets."""

import pytest
from channels.db import database_sync_to_async

from memorials.consumers import CLOSE_ERASED
from memorials.erasure.services import memorial_erase
from tests.memorials.factories import MemorialFactory
from tests.memorials.test_consumers import session_cookie_for, socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_open_socket_is_told_and_closed_when_the_memorial_is_erased():
    memorial = await database_sync_to_async(MemorialFactory)()
    communicator = socket(memorial.id, await session_cookie_for(memorial.subject))
    assert (await communicator.connect())[0]

    await database_sync_to_async(memorial_erase)(
        memorial=memorial, actor=memorial.subject, reason="test"
    )

    events = [await communicator.receive_json_from(timeout=5) for _ in range(2)]
    assert {"kind": "erased", "data": {}} in events
    assert (await communicator.receive_output(timeout=5))["code"] == CLOSE_ERASED
    # and it cannot come back
    again = socket(memorial.id, await session_cookie_for(memorial.subject))
    assert not (await again.connect())[0]
