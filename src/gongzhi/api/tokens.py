"""The signed-in person's own API tokens: list, issue (the secret is shown once), revoke."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from gongzhi.api import selectors, services
from gongzhi.api.auth import session_auth
from gongzhi.api.models import ApiToken
from gongzhi.api.pagination import Mapped, Pagination
from gongzhi.api.schemas import PathId, error_responses

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to tell tokens apart.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. Shown only now: store it safely.")


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="What the token is for, e.g. the script that uses it."
    )


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "is_active": token.is_active,
    }


@router.get(
    "/tokens",
    response={200: list[TokenOut], **error_responses()},
    url_name="tokens",
    summary="Your API tokens",
)
@paginate(Pagination)
def list_tokens(request: HttpRequest) -> Any:
    return Mapped(selectors.tokens_of(request.auth), _token)  # type: ignore[attr-defined]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **error_responses(400, 403)},
    url_name="token_create",
    summary="Issue a new API token for yourself",
    # Session only: a leaked token must not be able to mint its own replacements.
    auth=session_auth,
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    issued = services.issue_api_token(actor=request.auth, name=payload.name)  # type: ignore[attr-defined]
    return Status(201, {**_token(issued.token), "token": issued.secret})


@router.delete(
    "/tokens/{token_id}",
    response={204: None, **error_responses(404)},
    url_name="token_revoke",
    summary="Revoke one of your API tokens",
)
def revoke_token(request: HttpRequest, token_id: PathId) -> Status[None]:
    actor = request.auth  # type: ignore[attr-defined]
    services.revoke_api_token(actor=actor, token=selectors.get_token(actor, token_id))
    return Status(204, None)
