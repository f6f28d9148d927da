"""The firm's access matrix: every URL pattern of the project (walked from the resolver) and
every websocket route, against each firm role (owner, advisor, assistant, removed staff, staff
of another firm) and a client's resources. The firm sees only what the issue allows (its own
pages by role power; the steward page only when the client named the firm) and never the
client's memorial itself: its writing, portrait, twin, conversations, memories, voice,
consents, exports, audit log or billing pages.

Every route must be classified below: a new route that is not fails
`test_every_route_is_classified`, which is how the matrix stays complete."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from consent.models import ConsentRecord
from core.audit import audit_events_for
from core.consent import ConsentScope
from firms.access import ROLE_POWERS, FirmPower
from firms.models import FirmRole
from firms.stewardship import professional_steward_name
from legacy.asgi import application
from legacy.routing import websocket_urlpatterns
from memorials.consumers import CLOSE_NOT_FOUND
from tests.firms.factories import client_make, firm_make, staff_make

# What a route is, for the firm.
PUBLIC = "public"  # no client's resource behind it (site pages, sign-in, pricing, links by token)
CLIENT = "client"  # a client's memorial resource: the firm never reaches it, whatever its role
SUBJECT = "subject"  # the client's own choices about their firm: the subject's alone
LEGACY_STAFF = "legacy_staff"  # Legacy's own staff (activation review, admin)
FIRM_STEWARD = "firm_steward"  # the firm's steward page: staff with CLIENTS, once named
# A firm page: ("firm", the power it needs).

ROUTES: dict[str, str | tuple[str, str]] = {
    # site pages and the account
    "home": PUBLIC,
    "healthz": PUBLIC,
    "safety": PUBLIC,
    "accounts:settings": PUBLIC,
    "accounts:time_zone_detect": PUBLIC,
    "account_delete": PUBLIC,
    "help": PUBLIC,
    "privacy": PUBLIC,
    "terms": PUBLIC,
    "contact": PUBLIC,
    "favicon": PUBLIC,
    "memorials:list": PUBLIC,  # the caller's own memorials
    "memorials:new": PUBLIC,
    "invitations:show": PUBLIC,  # by token
    "rights:erased": PUBLIC,  # an erasure certificate, by its id
    "rights:certificate": PUBLIC,
    "billing:pricing": PUBLIC,
    "billing:checkout": PUBLIC,  # the payer picks the memorial; checked there (billing tests)
    "billing:stripe_webhook": PUBLIC,
    "admin:login": PUBLIC,  # the admin's sign-in form: its pages are Legacy staff's
    "admin:logout": PUBLIC,
    # the caller's own country for crisis lines (their account); the memorial's id only says
    # which page to go back to
    "conversations:country_choose": PUBLIC,
    "firms:client_accept": PUBLIC,  # a client's invitation, by its token
    "firms:mine": PUBLIC,  # the caller's own firms
    "firms:new": PUBLIC,  # starting a firm of one's own
    "firms:staff_accept": PUBLIC,  # a staff invitation, by its token
    "firms:logo": PUBLIC,  # the brand, shown on its clients' pages and mail
    "firms:brand_css": PUBLIC,
    "firms:join": PUBLIC,  # the firm's own join link
    # the client's memorial
    "memorials:detail": CLIENT,
    "memorials:state": CLIENT,
    "memorials:invite": CLIENT,
    "memorials:invitation_cancel": CLIENT,
    "memorials:invitation_send_again": CLIENT,
    "memorials:membership_remove": CLIENT,
    "memorials:wishes": CLIENT,
    "memorials:open": CLIENT,
    "memorials:close": CLIENT,
    "memorials:activation_key": CLIENT,
    "memorials:activation": CLIENT,
    "memorials:activation_certificate": CLIENT,
    "memorials:activation_approve": CLIENT,
    "memorials:activation_reject": CLIENT,
    "memorials:activation_cancel": CLIENT,
    "memorials:activation_review": LEGACY_STAFF,
    "memorials:activation_review_certificate": LEGACY_STAFF,
    "memorials:activation_review_decide": LEGACY_STAFF,
    "consent:overview": CLIENT,
    "consent:sign": CLIENT,
    "consent:revoke": CLIENT,
    "consent:document": CLIENT,
    "consent:audit": CLIENT,
    "corpus:index": CLIENT,
    "corpus:upload": CLIENT,
    "corpus:upload_delete": CLIENT,
    "corpus:upload_retry": CLIENT,
    "corpus:identity_add": CLIENT,
    "corpus:identity_delete": CLIENT,
    "corpus:correspondent_add": CLIENT,
    "corpus:correspondent_delete": CLIENT,
    "corpus:documents": CLIENT,
    "corpus:document_register": CLIENT,
    "corpus:document_delete": CLIENT,
    "corpus:passages": CLIENT,
    "corpus:passage_delete": CLIENT,
    "corpus:deletion_undo": CLIENT,
    "twins:overview": CLIENT,
    "twins:build": CLIENT,
    "twins:build_retry": CLIENT,
    "twins:portrait": CLIENT,
    "twins:portrait_correct": CLIENT,
    "twins:portrait_correction_remove": CLIENT,
    "twins:persona": CLIENT,
    "twins:persona_fact_review": CLIENT,
    "twins:persona_fact_undo": CLIENT,
    "twins:preview": CLIENT,
    "twins:fidelity": CLIENT,
    "twins:fidelity_measure": CLIENT,
    "conversations:page": CLIENT,
    "conversations:memories": CLIENT,
    "conversations:memory_correct": CLIENT,
    "conversations:memory_delete": CLIENT,
    "conversations:visitors_time": CLIENT,
    "conversations:age_group": CLIENT,
    "conversations:export": CLIENT,
    "conversations:question_ask": CLIENT,
    "conversations:question_answer": CLIENT,
    "conversations:steward_reach": CLIENT,
    "conversations:alert_seen": CLIENT,
    "conversations:question_decline": CLIENT,
    "voice:samples": CLIENT,
    "voice:samples_upload": CLIENT,
    "voice:samples_status": CLIENT,
    "voice:sample_audio": CLIENT,
    "voice:sample_use": CLIENT,
    "voice:sample_retry": CLIENT,
    "voice:sample_delete": CLIENT,
    "voice:spoken_consent": CLIENT,
    "voice:spoken_consent_record": CLIENT,
    "voice:spoken_consent_audio": CLIENT,
    "voice:reply_audio": CLIENT,
    "voice:replies": CLIENT,
    "voice:line": CLIENT,
    "voice:speak": CLIENT,
    "voice:listen": CLIENT,
    "rights:erase": CLIENT,
    "rights:erase_confirm": CLIENT,
    "rights:export": CLIENT,
    "rights:export_download": CLIENT,
    "demo:remove": CLIENT,
    "billing:memorial": CLIENT,
    "billing:plan_change": CLIENT,
    "billing:cancel": CLIENT,
    "billing:take_over": CLIENT,
    "billing:checkout_return": CLIENT,
    "billing:checkout_state": CLIENT,
    "billing:checkout_cancelled": CLIENT,
    "billing:manual_request": CLIENT,
    "billing:portal": CLIENT,
    # the client's own side of their firm
    "firms:client_steward": SUBJECT,
    "firms:client_detach": SUBJECT,
    "firms:client_pay_self": SUBJECT,
    # the firm's pages
    "firms:steward": FIRM_STEWARD,
    "firms:close": ("firm", FirmPower.CLOSE),
    "firms:dashboard": ("firm", FirmPower.CLIENTS),
    "firms:dashboard_export": ("firm", FirmPower.CLIENTS),
    "firms:reminders": ("firm", FirmPower.CLIENTS),
    "firms:clients_add": ("firm", FirmPower.CLIENTS),
    "firms:clients_import": ("firm", FirmPower.CLIENTS),
    "firms:clients_import_progress": ("firm", FirmPower.CLIENTS),
    "firms:client": ("firm", FirmPower.CLIENTS),  # the client's status, never content
    "firms:client_invite": ("firm", FirmPower.CLIENTS),
    "firms:billing": ("firm", FirmPower.BILLING),
    "firms:billing_request": ("firm", FirmPower.BILLING),
    "firms:billing_portal": ("firm", FirmPower.BILLING),
    "firms:billing_checkout": ("firm", FirmPower.BILLING),
    "firms:billing_seats": ("firm", FirmPower.BILLING),
    "firms:statement": ("firm", FirmPower.BILLING),
    "firms:statement_csv": ("firm", FirmPower.BILLING),
    "firms:trail": ("firm", FirmPower.TRAIL_EXPORT),
    "firms:trail_csv": ("firm", FirmPower.TRAIL_EXPORT),
    "firms:settings": ("firm", FirmPower.SETTINGS),
    "firms:staff": ("firm", FirmPower.STAFF),
    "firms:staff_role": ("firm", FirmPower.STAFF),
    "firms:staff_remove": ("firm", FirmPower.STAFF),
    "firms:staff_invitation_revoke": ("firm", FirmPower.STAFF),
    "firms:api": ("firm", FirmPower.API),
    "firms:api_token_revoke": ("firm", FirmPower.API),
    "firms:api_webhook_add": ("firm", FirmPower.API),
    "firms:api_webhook_remove": ("firm", FirmPower.API),
    "firms:api_webhook_test": ("firm", FirmPower.API),
    # the API for practice software: a firm's token, never a session (tests/firms/test_api.py)
    "firms_api:api-root": PUBLIC,
    "firms_api:openapi-json": PUBLIC,
    "firms_api:openapi-view": PUBLIC,
    "firms_api:clients_list": PUBLIC,
    "firms_api:clients_create": PUBLIC,
    "firms_api:clients_get": PUBLIC,
}

# Whole families of routes classified by their name: Django's admin (Legacy staff only) and
# allauth's sign-in, sign-up and two-factor pages (about the caller's own account).
FAMILIES: tuple[tuple[str, str], ...] = (
    ("admin:", LEGACY_STAFF),
    ("account_", PUBLIC),
    ("socialaccount_", PUBLIC),
    ("mfa_", PUBLIC),
    ("openid", PUBLIC),
    ("headless", PUBLIC),
)

WEBSOCKETS: dict[str, str] = {
    "ws/memorials/<uuid:memorial_id>/events/": CLIENT,
    "ws/memorials/<uuid:memorial_id>/conversation/": CLIENT,
}

# Firm pages of a thing the walk cannot name (an import's id): for staff with the power, their
# own 404 for an unknown one is fine; the others must still get the firm's 404.
UNNAMED_SUBRESOURCE = {"firms:clients_import_progress"}

# What a form posts, where a view reads it before the access check (so the check is reached).
POST_DATA: dict[str, dict[str, str]] = {
    "conversations:question_ask": {"seq": "1"},
}

ROLES = ("owner", "advisor", "assistant", "removed", "other_firm")
DENIED = {403, 404, 405}


def routes() -> Iterator[tuple[str, str]]:
    """(name, route) of every URL pattern; an unnamed pattern is named by its route."""

    def walk(patterns: list, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                yield (namespace + pattern.name if pattern.name else route), route

    yield from walk(get_resolver().url_patterns, "", "")


def kind_of(name: str, route: str) -> str | tuple[str, str] | None:
    if name in ROUTES:
        return ROUTES[name]
    if name.startswith("admin/") or route.startswith("admin/"):
        return LEGACY_STAFF
    for prefix, kind in FAMILIES:
        if name.startswith(prefix):
            return kind
    return None


def test_every_route_is_classified():
    unknown = [f"{name} ({route})" for name, route in routes() if kind_of(name, route) is None]
    assert not unknown, "Classify these routes in tests/firms/test_access_matrix.py: " + ", ".join(
        unknown
    )
    stale = set(ROUTES) - {name for name, _ in routes()}
    assert not stale, f"Routes classified here no longer exist: {sorted(stale)}"


def test_every_websocket_route_is_classified():
    found = {str(pattern.pattern) for pattern in websocket_urlpatterns}
    assert found == set(WEBSOCKETS), f"Classify these websocket routes: {found - set(WEBSOCKETS)}"


@pytest.fixture
def world():
    """A firm with its staff in every role, a client who named it a steward, another client
    who did not, and another firm."""
    firm, other = firm_make(), firm_make()
    staff = {
        "owner": staff_make(firm=firm, role=FirmRole.OWNER),
        "advisor": staff_make(firm=firm, role=FirmRole.ADVISOR),
        "assistant": staff_make(firm=firm, role=FirmRole.ASSISTANT),
        "removed": staff_make(firm=firm, role=FirmRole.ADVISOR),
        "other_firm": staff_make(firm=other, role=FirmRole.OWNER),
    }
    staff["removed"].removed_at = timezone.now()
    staff["removed"].save(update_fields=["removed_at"])
    named = client_make(firm=firm, advisor=staff["advisor"], joined=True)
    named = professional_steward_name(client=named, actor=named.user)
    unnamed = client_make(firm=firm, advisor=staff["advisor"], joined=True)
    return {"firm": firm, "staff": staff, "named": named, "unnamed": unnamed}


PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def url_for(route: str, *, world: dict, client) -> str | None:
    """The route filled in for `client` of the world's firm; None for a regex route."""
    if "(?P<" in route or route.endswith("$"):
        return None

    def fill(match: re.Match) -> str:
        converter, name = match.group("converter") or "str", match.group("name")
        if name == "memorial_id":
            return str(client.memorial_id)
        if name == "client_id":
            return str(client.id)
        if name == "slug":
            return world["firm"].slug
        if name == "member_id":
            return str(world["staff"]["assistant"].id)
        if name == "scope":
            return ConsentScope.CORPUS
        if converter == "uuid":
            return str(uuid.uuid4())
        if converter in ("int", "path"):
            return "1"
        return "x"

    return "/" + PARAMETER.sub(fill, route)


def signed_in(user) -> Client:
    """A browser signed in as `user` who has just confirmed it is them (allauth's
    reauthentication), so pages that ask for that reach their access check."""
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session.save()
    return browser


def denied(response) -> bool:
    if response.status_code in DENIED:
        return True
    # Django's admin sends anyone who is not Legacy staff to its own sign-in
    return response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_the_firm_never_reaches_a_clients_memorial(world):
    # given every role signed in, two-factor set up, and what the client has signed so far
    named = world["named"]
    consents_before = ConsentRecord.objects.filter(memorial_id=named.memorial_id).count()
    events_before = len(audit_events_for(memorial_id=named.memorial_id))
    browsers = {role: signed_in(world["staff"][role].user) for role in ROLES}
    checked, reached = 0, []
    for name, route in routes():
        if kind_of(name, route) not in (CLIENT, SUBJECT, LEGACY_STAFF):
            continue
        url = url_for(route, world=world, client=named)
        if url is None:
            continue
        for role, browser in browsers.items():
            get, post = browser.get(url), browser.post(url, POST_DATA.get(name, {}))
            for method, response in (("GET", get), ("POST", post)):
                if not denied(response):
                    reached.append(f"{role} {method} {name} -> {response.status_code}")
                checked += 1
    assert not reached
    assert checked > 500
    # and nothing of the memorial changed: no consent signed, nothing done in it
    assert ConsentRecord.objects.filter(memorial_id=named.memorial_id).count() == consents_before
    assert len(audit_events_for(memorial_id=named.memorial_id)) == events_before


@pytest.mark.django_db
def test_the_same_pages_open_for_the_client(world, client):
    """The control: the URLs the firm was refused are real, and open for the client."""
    named = world["named"]
    client.force_login(named.user)
    for name in (
        "memorials:detail",
        "consent:overview",
        "consent:audit",
        "corpus:index",
        "twins:overview",
        "billing:memorial",
        "firms:client_detach",
    ):
        url = reverse(name, args=[named.memorial_id])
        assert client.get(url).status_code == 200, name


@pytest.mark.django_db
def test_the_firm_never_signs_a_consent(world):
    named = world["named"]
    for role in ROLES:
        browser = signed_in(world["staff"][role].user)
        for scope in ConsentScope.values:
            url = reverse("consent:sign", args=[named.memorial_id, scope])
            response = browser.post(url, {"typed_name": named.name, "password": "x"})
            assert response.status_code == 404, (role, scope)
    assert not ConsentRecord.objects.filter(memorial_id=named.memorial_id).exists()


def firm_expectation(kind: str | tuple[str, str], role: str, *, named: bool) -> bool:
    """Whether `role` reaches a firm page of this kind (for a client named or not)."""
    if role in ("removed", "other_firm"):
        return False
    powers = ROLE_POWERS[getattr(FirmRole, role.upper())]
    if kind == FIRM_STEWARD:
        return named and FirmPower.CLIENTS in powers
    assert isinstance(kind, tuple)
    return kind[1] in powers


@pytest.mark.django_db
def test_firm_pages_open_by_role_power_and_only_for_the_firm(world):
    checked = 0
    for name, route in routes():
        kind = kind_of(name, route)
        if not (kind == FIRM_STEWARD or isinstance(kind, tuple)):
            continue
        for client_key in ("named", "unnamed"):
            url = url_for(route, world=world, client=world[client_key])
            assert url is not None
            for role in ROLES:
                browser = signed_in(world["staff"][role].user)
                allowed = firm_expectation(kind, role, named=client_key == "named")
                if allowed:
                    # GET only: a firm page's POST would act (its own tests cover that)
                    status = browser.get(url).status_code
                    expected_miss = name in UNNAMED_SUBRESOURCE and status == 404
                    assert (status != 404 or expected_miss) and status < 500, f"{role} {name}"
                else:
                    for method in ("get", "post"):
                        response = getattr(browser, method)(url)
                        # 405: a method the page never takes, refused before anything is read
                        assert response.status_code in (404, 405), f"{role} {method} {name}"
                checked += 1
    assert checked >= 20
    world["firm"].refresh_from_db()
    assert world["firm"].closed_at is None  # no POST reached the close page


def cookie_for(user) -> str:
    browser = Client()
    browser.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
async def test_the_firm_opens_no_socket_of_a_clients_memorial():
    world_ = await database_sync_to_async(_world_for_sockets)()
    memorial_id = world_["named"].memorial_id
    for route, kind in WEBSOCKETS.items():
        assert kind == CLIENT
        path = "/" + route.replace("<uuid:memorial_id>", str(memorial_id))
        for role in ROLES:
            cookie = await database_sync_to_async(cookie_for)(world_["users"][role])
            headers = [
                (b"origin", b"http://127.0.0.1"),
                (b"host", b"127.0.0.1"),
                (b"cookie", cookie.encode()),
            ]
            communicator = WebsocketCommunicator(application, path, headers)
            connected, code = await communicator.connect()
            assert (connected, code) == (False, CLOSE_NOT_FOUND), (role, route)
            await communicator.disconnect()
    # the control: the client's own socket opens
    cookie = await database_sync_to_async(cookie_for)(world_["client_user"])
    path = "/" + next(iter(WEBSOCKETS)).replace("<uuid:memorial_id>", str(memorial_id))
    communicator = WebsocketCommunicator(
        application,
        path,
        [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
    )
    assert (await communicator.connect())[0]
    await communicator.disconnect()


def _world_for_sockets() -> dict:
    """The world, with the users the sockets sign in as loaded (no lazy loads when async)."""
    world_ = world.__wrapped__()  # type: ignore[attr-defined]
    world_["users"] = {role: world_["staff"][role].user for role in ROLES}
    world_["client_user"] = world_["named"].user
    return world_
