"""Events are declared once (kind, payload, audience) and sent through one sender, after
commit; the browser code uses the declared names."""

import ast
import asyncio
import json
import re
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core.events import (
    EVENTS,
    Audience,
    EventKind,
    EventUndeclared,
    SocketClose,
    event_declaration,
    event_names,
    event_send_on_commit,
    memorial_audience_group,
)
from tests.memorials.factories import MemorialFactory

REPO = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "var", "tests", "node_modules", ".git"}
SENDERS = ("event_send_on_commit", "event_send_progress")


def source_files() -> list[Path]:
    return [
        path
        for path in REPO.rglob("*.py")
        if not SKIPPED.intersection(path.relative_to(REPO).parts)
    ]


class KindResolver:
    """The string a `kind` expression stands for: a literal, `EventKind.X`, or a module-level
    name bound to one of those. None when it cannot be known from the source."""

    def __init__(self, tree: ast.Module) -> None:
        self.names = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }

    def __call__(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "EventKind":
            return EventKind[node.attr].value if node.attr in EventKind.__members__ else node.attr
        if isinstance(node, ast.Name) and node.id in self.names:
            return self(self.names[node.id])
        return None


def _kind_values(call: ast.Call, name: str | None) -> list[ast.expr]:
    if name in SENDERS:
        return [keyword.value for keyword in call.keywords if keyword.arg == "kind"]
    if name == "send_json" and call.args and isinstance(call.args[0], ast.Dict):
        # a socket speaking for itself (the consent notice it closes with); forwarding
        # event["kind"] from the layer is not a new kind
        pairs = list(zip(call.args[0].keys, call.args[0].values, strict=True))
        if any(
            isinstance(key, ast.Constant)
            and key.value == "type"
            and isinstance(value, ast.Constant)
            and value.value == "notice"
            for key, value in pairs
        ):  # a conversation notice's own kind (disclosure, break...): not an event's
            return []
        return [
            value
            for key, value in pairs
            if isinstance(key, ast.Constant) and key.value == "kind"
            if not isinstance(value, ast.Subscript)
        ]
    return []


def kinds_sent() -> tuple[dict[str, list[str]], list[str], list[str]]:
    """(kind -> where it is sent, sends whose kind cannot be read, channel-layer sends)."""
    sent: dict[str, list[str]] = {}
    unknown: list[str] = []
    layer_sends: list[str] = []
    for path in source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        resolve = KindResolver(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "group_send":
                layer_sends.append(f"{path.relative_to(REPO)}:{node.lineno}")
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in SENDERS and not any(k.arg == "kind" for k in node.keywords):
                unknown.append(where)
            for kind in _kind_values(node, name):
                value = resolve(kind)
                if value is None:
                    unknown.append(where)
                else:
                    sent.setdefault(value, []).append(where)
    return sent, unknown, layer_sends


def test_every_kind_sent_anywhere_is_declared():
    sent, unknown, layer_sends = kinds_sent()
    declared = {kind.value for kind in EVENTS}
    assert not unknown, f"sends whose kind cannot be read from the source: {unknown}"
    assert set(sent) <= declared, {k: v for k, v in sent.items() if k not in declared}
    # the scan sees the real senders (an empty scan would pass the line above)
    assert {"upload", "state", "consent.revoked", "erased"} <= set(sent)
    # and nothing reaches the channel layer but through core.events
    assert {where.split(":")[0] for where in layer_sends} == {"core/events.py"}


def test_every_kind_has_an_audience_and_upload_is_the_subjects_alone():
    assert set(EVENTS) == set(EventKind)
    assert EVENTS[EventKind.UPLOAD].audience is Audience.SUBJECT
    assert EVENTS[EventKind.CONSENT_REVOKED].audience is Audience.MEMBERS


UPLOAD = {
    "upload_id": "u",
    "name": "a.txt",
    "status": "queued",
    "status_label": "Queued",
    "done": 0,
    "total": 0,
    "passages": 0,
    "error": "",
}


@pytest.mark.parametrize(
    ("kind", "data", "problem"),
    [
        ("build", {}, "not declared"),
        (EventKind.STATE, {}, "missing keys ['state']"),
        (EventKind.STATE, {"state": "sealed", "by": "me"}, "undeclared keys ['by']"),
        (EventKind.UPLOAD, {k: v for k, v in UPLOAD.items() if k != "name"}, "['name']"),
    ],
)
def test_an_undeclared_kind_or_payload_is_refused_at_the_call(kind, data, problem):
    with pytest.raises(EventUndeclared, match=re.escape(problem)):
        event_send_on_commit(memorial_id="m", kind=kind, data=data)


def test_optional_payload_keys_may_be_left_out_or_given():
    assert event_declaration(kind="upload", data=UPLOAD).audience is Audience.SUBJECT
    event_declaration(kind="upload", data={**UPLOAD, "memorial_counts": {"documents": 1}})


async def _listening(group: str):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return layer, channel


@pytest.mark.django_db(transaction=True)
async def test_an_event_goes_out_after_commit_and_never_after_a_rollback():
    memorial = await database_sync_to_async(MemorialFactory)()
    group = memorial_audience_group(memorial_id=memorial.id, audience=Audience.MEMBERS)
    layer, channel = await _listening(group)

    @database_sync_to_async
    def change(*, state: str, fail: bool) -> None:
        with transaction.atomic():
            event_send_on_commit(memorial_id=memorial.id, kind="state", data={"state": state})
            if fail:
                raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await change(state="rolled-back", fail=True)
    await change(state="sealed", fail=False)
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert (message["kind"], message["data"]) == ("state", {"state": "sealed"})
    await layer.group_discard(group, channel)


JS = REPO / "static" / "js"


def test_the_browser_code_uses_the_declared_names():
    names = event_names()
    for script in JS.glob("*.js"):
        text = script.read_text()
        # no kind spelt as a literal
        assert not re.search(r"kind\s*[!=]==?\s*[\"']", text), script.name
        # and every name it reads is declared
        for group, name in re.findall(r"\b(KINDS|CLOSES|kinds|closes)\.([A-Z_]+)\b", text):
            assert name in names[group.lower()], f"{script.name}: {group}.{name}"
    assert names["closes"]["SIGNED_OUT"] == SocketClose.SIGNED_OUT


@pytest.mark.django_db
def test_a_page_with_a_live_socket_carries_the_declared_names():
    memorial = MemorialFactory()
    client = Client()
    client.force_login(memorial.subject)
    for url in (memorial.get_absolute_url(), reverse("corpus:index", args=[memorial.id])):
        page = client.get(url).content.decode()
        assert "data-events-url" in page, url
        found = re.search(r'<script id="event-names" type="application/json">(.*?)</script>', page)
        assert found, url
        assert json.loads(found.group(1)) == event_names()
