"""Open311 clients and requests. The only code that writes Open311Client and Open311Request.

* `create_client` issues a key: the key is returned once and stored only as a SHA-256 digest.
* `authenticate_key` finds the active client of a key (a read; no audit).
* `submit_request` files an appeal through `appeals.services.submit_appeal` on the "open311"
  channel, inside the client's region, and records its token and the Open311 fields an appeal
  has no column for (media_url, the address as submitted). With an idempotency key a retried
  request returns the first appeal: the appeal's unique constraint (channel, submitter,
  key) decides, so two concurrent retries still create one appeal.
* The demo key is derived from SECRET_KEY (HMAC), so `gongzhi demo` can print the same working
  key on every run while only its digest is stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Appeal, Channel
from gongzhi.appeals.services import submit_appeal
from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.open311.models import Open311Client, Open311Request
from gongzhi.org.models import Region, RegionKind
from gongzhi.org.scopes import scope_for

KEY_PREFIX = "o311_"
# A key is "o311_" and 43 URL-safe characters (32 bytes).
KEY_LENGTH = len(KEY_PREFIX) + 43
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 6
DEMO_LABEL = "gongzhi.open311.demo-key:"
DEMO_CLIENT_NAME = "Demo Open311 client"
# Regions a key may be bound to: a street, a community or village, or a grid.
CLIENT_REGION_KINDS = frozenset(
    {RegionKind.STREET, RegionKind.COMMUNITY, RegionKind.VILLAGE, RegionKind.GRID}
)
MAX_ADDRESS = 200


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def demo_key(street: Region) -> str:
    """The demo street's key: the same on every run with the same SECRET_KEY."""
    digest = hmac.new(
        settings.SECRET_KEY.encode("utf-8"),
        (DEMO_LABEL + street.code).encode("utf-8"),
        hashlib.sha256,
    ).digest()
    return KEY_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class IssuedKey:
    client: Open311Client
    key: str  # shown once; never stored


def _check_region(region: Region) -> None:
    if region.kind not in CLIENT_REGION_KINDS:
        raise ValidationFailed(
            _("A key is bound to a street, a community, a village or a grid."), field="region"
        )


def _insert_client(
    *, actor: Any, name: str, region: Region, key: str, action: str
) -> Open311Client:
    client = Open311Client.objects.create(
        name=name,
        region=region,
        key_hash=hash_key(key),
        prefix=key[:DISPLAY_PREFIX_LENGTH],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit.record(
        actor=actor,
        action=action,
        obj=client,
        scope_path=region.path,
        after={"name": name, "region": region.pk, "prefix": client.prefix},
    )
    return client


def _check_actor(actor: Any) -> None:
    """Keys are issued by platform administrators, or from the command line (actor None)."""
    if actor is not None and not scope_for(actor).is_admin:
        raise PermissionDenied(_("Only a platform administrator can manage Open311 keys."))


@transaction.atomic
def create_client(*, actor: Any, name: str, region: Region) -> IssuedKey:
    """A new client and its key. The key is returned once and stored only hashed."""
    _check_actor(actor)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Give the client a name."), field="name")
    if len(name) > 100:
        raise ValidationFailed(_("Use at most 100 characters."), field="name")
    _check_region(region)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = _insert_client(
        actor=actor, name=name, region=region, key=key, action="open311.client.create"
    )
    return IssuedKey(client=client, key=key)


@transaction.atomic
def ensure_demo_client(*, actor: Any, street: Region, region: Region | None = None) -> IssuedKey:
    """The demo client of a demo street, created once; its key is `demo_key(street)`."""
    _check_actor(actor)
    key = demo_key(street)
    region = region or street
    _check_region(region)
    existing = Open311Client.objects.filter(key_hash=hash_key(key)).first()
    if existing is not None:
        return IssuedKey(client=existing, key=key)
    client = _insert_client(
        actor=actor, name=DEMO_CLIENT_NAME, region=region, key=key, action="open311.client.create"
    )
    return IssuedKey(client=client, key=key)


@transaction.atomic
def deactivate_client(*, actor: Any, client: Open311Client) -> Open311Client:
    """Switch a key off. Twice is harmless and audited once."""
    _check_actor(actor)
    changed = Open311Client.objects.filter(pk=client.pk, active=True).update(
        active=False, deactivated_at=timezone.now()
    )
    client.refresh_from_db()
    if changed:
        audit.record(
            actor=actor,
            action="open311.client.deactivate",
            obj=client,
            scope_path=client.region.path,
            before={"active": True},
            after={"active": False},
        )
    return client


def authenticate_key(secret: str) -> Open311Client | None:
    """The active client a key belongs to, or None."""
    secret = (secret or "").strip()
    if not secret.startswith(KEY_PREFIX) or len(secret) != KEY_LENGTH:
        return None
    return (
        Open311Client.objects.select_related("region")
        .filter(key_hash=hash_key(secret), active=True)
        .first()
    )


# --- filing a request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    latitude: float | None = None
    longitude: float | None = None
    address_id: int | None = None
    address_string: str = ""


@dataclass(frozen=True)
class Filed:
    request: Open311Request
    appeal: Appeal
    created: bool  # False: the idempotency key named a request filed before


def _place_ids(client: Open311Client, location: Location) -> dict[str, Any]:
    """submit_appeal's location arguments for the Open311 location parameters.

    lat/long win (the spec: "lat & long both OR address_string OR address_id"); an address_id
    is a building's or grid's id; an address_string must name a building of the client's
    region (exactly, or contain its name).
    """
    if location.latitude is not None and location.longitude is not None:
        return {"latitude": location.latitude, "longitude": location.longitude}
    under = client.region.path
    if location.address_id is not None:
        region = (
            Region.objects.filter(
                pk=location.address_id,
                kind__in=[RegionKind.BUILDING, RegionKind.GRID],
                path__startswith=under,
            )
            .only("id", "kind")
            .first()
        )
        if region is None:
            raise ValidationFailed(
                _("Unknown address_id: give the id of a building or grid in your area."),
                field="address_id",
            )
        if region.kind == RegionKind.BUILDING:
            return {"building_id": region.pk}
        return {"grid_id": region.pk}
    text = " ".join(location.address_string.split())
    if text:
        buildings = Region.objects.filter(
            kind=RegionKind.BUILDING, path__startswith=under
        ).values_list("id", "name")
        exact = [pk for pk, name in buildings if name == text]
        if len(exact) == 1:
            return {"building_id": exact[0]}
        contained = sorted(
            ((len(name), pk) for pk, name in buildings if name and name in text), reverse=True
        )
        if contained and (len(contained) == 1 or contained[0][0] > contained[1][0]):
            return {"building_id": contained[0][1]}
        raise ValidationFailed(
            _(
                "address_string names no single building in your area: send lat and long, "
                "or an address_id."
            ),
            field="address_string",
        )
    raise ValidationFailed(
        _("Give the location: lat and long, or address_string, or address_id."), field="location"
    )


@transaction.atomic
def submit_request(
    *,
    client: Open311Client,
    service_code: str,
    description: str,
    location: Location,
    attributes: dict[str, str] | None = None,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    media_url: str = "",
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Filed:
    """File an Open311 service request as an appeal in the client's region."""
    if not client.active:
        raise PermissionDenied(_("This API key is not active."))
    attributes = attributes or {}
    urgency = attributes.get("urgency") or "normal"
    # Chinese order: family name first.
    contact_name = f"{last_name.strip()}{first_name.strip()}"
    submitted = submit_appeal(
        actor=None,
        channel=Channel.OPEN311,
        within=client.region,
        text=description,
        title=attributes.get("title", ""),
        category_code=service_code,
        urgency=urgency,
        contact_name=contact_name,
        contact_phone=phone,
        idempotency_key=idempotency_key,
        submitter_ref=client.submitter_ref,
        now=now,
        **_place_ids(client, location),
    )
    appeal = submitted.appeal
    if not submitted.created:
        request, _made = Open311Request.objects.get_or_create(
            appeal=appeal,
            defaults={"client": client, "token": secrets.token_urlsafe(18)},
        )
        return Filed(request=request, appeal=appeal, created=False)
    request = Open311Request.objects.create(
        appeal=appeal,
        client=client,
        token=secrets.token_urlsafe(18),
        media_url=media_url,
        address_string=" ".join(location.address_string.split())[:MAX_ADDRESS],
    )
    audit.record(
        actor=None,
        action="open311.request.create",
        obj=request,
        object_repr=appeal.number,
        scope_path=appeal.scope_path,
        after={"client": client.pk, "appeal": appeal.number, "service_code": service_code},
    )
    return Filed(request=request, appeal=appeal, created=True)
