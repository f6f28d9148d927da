"""A task run by a real worker process reaches a connected browser through Redis."""

import pytest
from channels.db import database_sync_to_async

from memorials.tasks import memorial_event_send
from tests.memorials.factories import MembershipFactory
from tests.memorials.test_consumers import session_cookie_for, socket


@pytest.mark.worker
async def test_task_in_a_worker_process_reaches_the_open_socket(celery_worker_process):
    membership = await database_sync_to_async(MembershipFactory)()
    communicator = socket(membership.memorial_id, await session_cookie_for(membership.user))
    assert (await communicator.connect())[0]
    # when a task is queued (the worker is another process, sharing only Redis and Postgres)
    memorial_event_send.delay(str(membership.memorial_id), "build", {"step": "embedding"})
    # then its event arrives on the socket
    message = await communicator.receive_json_from(timeout=20)
    assert message == {"kind": "build", "data": {"step": "embedding"}}
    await communicator.disconnect()
