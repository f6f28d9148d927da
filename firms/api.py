"""The firms' API for practice software, at /api/firms/v1/ (django-ninja, OpenAPI docs at
/api/firms/v1/docs). `Authorization: Bearer <token>` with a token from the firm's API page:
an unknown, revoked or closed firm's token gets 401, a token without the endpoint's scope
403, a token past its rate 429 with Retry-After. Status only: the API never returns
anything of a client's memorial (writing, portrait, conversations, memories)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError
from ninja.responses import Status
from ninja.security import HttpBearer
from pydantic import Field

from firms.api_selectors import api_advisor_find, api_client_get, api_clients_list
from firms.api_tokens import api_rate_take, api_token_authenticate
from firms.clients import ClientError, client_create
from firms.models import ApiScope, ClientStage, FirmApiToken, FirmClient

PER_PAGE_MAX = 100


class ScopeMissing(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


class FirmTokenAuth(HttpBearer):
    """The firm's API token; each authenticated call counts against the token's rate."""

    def authenticate(self, request: HttpRequest, token: str) -> FirmApiToken | None:
        row = api_token_authenticate(token=token)
        if row is None:
            return None
        verdict = api_rate_take(token=row)
        if not verdict.allowed:
            raise RateLimited(verdict.retry_after_s)
        return row


api = NinjaAPI(
    title="Legacy firms API",
    version="1",
    description=(
        "Read your firm's client roster and each client's status, and add clients (each is "
        "invited by mail in your firm's name). Status only: never a client's writing, "
        "portrait, conversations or memories. Authenticate with `Authorization: Bearer "
        "<token>` (tokens are made by the firm's owner on the firm's API page)."
    ),
    auth=FirmTokenAuth(),
    urls_namespace="firms_api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    return api.create_response(request, {"error": code, "detail": detail}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request,
        401,
        "unauthenticated",
        "Send a live API token as `Authorization: Bearer <token>`; this one is missing, "
        "unknown or revoked.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ScopeMissing)
def _forbidden(request: HttpRequest, exc: ScopeMissing) -> HttpResponse:
    return _error(
        request,
        403,
        "scope_missing",
        f"This token may not do this: it needs the “{exc.scope}” scope. The firm's owner "
        "can make a token with it on the firm's API page.",
    )


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(
        request,
        429,
        "rate_limited",
        f"Too many requests with this token: try again in {exc.retry_after_s} seconds.",
    )
    response["Retry-After"] = str(exc.retry_after_s)
    return response


def _token(request: HttpRequest, scope: str) -> FirmApiToken:
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, FirmApiToken)
    if scope not in token.scopes:
        raise ScopeMissing(scope)
    return token


class ClientStatusOut(Schema):
    id: uuid.UUID
    name: str = Field(description="The firm's own record of the client's name")
    email: str
    external_ref: str = Field(description="Your practice software's id for the client")
    advisor_email: str | None
    stage: ClientStage
    consents_signed: list[str] = Field(description="Codes of the consents signed, not content")
    documents_count: int
    passages_count: int
    twin_ready: bool
    activation_state: str = Field(description="The memorial's state, empty before joining")
    plan_code: str
    invited_at: datetime | None
    accepted_at: datetime | None
    created_at: datetime
    status_refreshed_at: datetime | None

    @staticmethod
    def from_client(client: FirmClient) -> ClientStatusOut:
        return ClientStatusOut(
            id=client.id,
            name=client.name,
            email=client.email,
            external_ref=client.external_ref,
            advisor_email=client.advisor.user.email if client.advisor else None,
            stage=ClientStage(client.stage),
            consents_signed=list(client.consents_signed or []),
            documents_count=client.documents_count,
            passages_count=client.passages_count,
            twin_ready=client.twin_ready,
            activation_state=client.activation_state,
            plan_code=client.plan_code,
            invited_at=client.invited_at,
            accepted_at=client.accepted_at,
            created_at=client.created_at,
            status_refreshed_at=client.status_refreshed_at,
        )


class RosterPage(Schema):
    count: int
    page: int
    per_page: int
    next_page: int | None
    items: list[ClientStatusOut]


class RosterFilters(Schema):
    stage: ClientStage | None = None
    updated_since: datetime | None = Field(
        None, description="Only clients added or whose status changed at or after this time"
    )
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=PER_PAGE_MAX)


class ClientIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254)
    advisor_email: str | None = Field(None, description="A current staff member's address")
    external_ref: str = Field("", max_length=100)


class ErrorOut(Schema):
    error: str
    detail: str


ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


@api.get("/clients", response={200: RosterPage, **ERRORS}, summary="The client roster")
def clients_list(request: HttpRequest, filters: Query[RosterFilters]) -> RosterPage:
    """Needs the `roster:read` scope. Live clients, oldest first, a page at a time."""
    token = _token(request, ApiScope.ROSTER_READ)
    clients = api_clients_list(
        firm=token.firm,
        stage=filters.stage.value if filters.stage else None,
        updated_since=filters.updated_since,
    )
    count = clients.count()
    start = (filters.page - 1) * filters.per_page
    rows = list(clients[start : start + filters.per_page])
    return RosterPage(
        count=count,
        page=filters.page,
        per_page=filters.per_page,
        next_page=filters.page + 1 if start + len(rows) < count else None,
        items=[ClientStatusOut.from_client(client) for client in rows],
    )


@api.get(
    "/clients/{client_id}",
    response={200: ClientStatusOut, 404: ErrorOut, **ERRORS},
    summary="One client's status",
)
def clients_get(request: HttpRequest, client_id: uuid.UUID) -> Status[object]:
    """Needs the `roster:read` scope. Status only: stage, the consents signed (codes), counts,
    whether the twin is ready, the activation state and the plan."""
    token = _token(request, ApiScope.ROSTER_READ)
    client = api_client_get(firm=token.firm, client_id=client_id)
    if client is None:
        return Status(404, ErrorOut(error="not_found", detail="No such client of this firm."))
    return Status(200, ClientStatusOut.from_client(client))


@api.post(
    "/clients",
    response={200: ClientStatusOut, 201: ClientStatusOut, 400: ErrorOut, **ERRORS},
    summary="Add a client (idempotent on email)",
)
def clients_create(request: HttpRequest, body: ClientIn) -> Status[object]:
    """Needs the `clients:write` scope. Adds the client and invites them by mail in the
    firm's name: 201. An address that is already a live client returns that client
    unchanged, and sends nothing: 200. Audited as the token's creator."""
    token = _token(request, ApiScope.CLIENTS_WRITE)
    advisor = None
    if body.advisor_email:
        advisor = api_advisor_find(firm=token.firm, email=body.advisor_email)
        if advisor is None:
            return Status(
                400,
                ErrorOut(
                    error="invalid", detail="advisor_email is not a current member of the staff."
                ),
            )
    before = api_clients_list(firm=token.firm).filter(email=body.email.strip().lower()).first()
    try:
        client = client_create(
            firm=token.firm,
            actor=token.created_by,
            name=body.name,
            email=body.email,
            advisor=advisor,
            external_ref=body.external_ref,
        )
    except ClientError as error:
        return Status(400, ErrorOut(error="invalid", detail=str(error)))
    client = api_client_get(firm=token.firm, client_id=client.id) or client
    return Status(200 if before is not None else 201, ClientStatusOut.from_client(client))
