"""The demo step: a few dozen wishes in every state, deterministic, claimable by the demo's
Party-member login."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.accounts.models import User
from gongzhi.core.models import AuditEvent
from gongzhi.org.demo import load_demo
from gongzhi.org.models import Region
from gongzhi.wishes import selectors
from gongzhi.wishes.demo import AUDIT_ACTION, report_wishes
from gongzhi.wishes.models import Wish, WishEvent
from gongzhi.wishes.states import State

pytestmark = pytest.mark.django_db

SCALE = 0.05


def _signature() -> list[tuple[object, ...]]:
    return list(
        Wish.objects.order_by("created_at", "title").values_list(
            "title", "state", "wisher__name", "claimed_by__name", "created_at", "thanks"
        )
    )


def test_wishes_in_every_state_with_consistent_timelines():
    load_demo(seed=2026, scale=SCALE)
    wishes = list(Wish.objects.select_related("community"))
    assert 30 <= len(wishes) <= 40
    assert set(Counter(w.state for w in wishes)) == set(State)
    assert {w.community.name for w in wishes} == {"翁亭社区", "清丰村"}
    for w in wishes:
        kinds = list(WishEvent.objects.filter(wish=w).values_list("kind", "to_state"))
        assert kinds[0] == ("posted", "posted") and kinds[-1][1] == w.state
        times = list(WishEvent.objects.filter(wish=w).values_list("created_at", flat=True))
        assert times == sorted(times)
        if w.claimed_by_id:
            assert w.claimed_by_id != w.wisher_id
            assert w.claimed_by.party_member.party_org.region.path.startswith(w.community.path)
    proxied = [w for w in wishes if w.by_proxy]
    assert proxied and all(w.posted_by_id is not None for w in proxied)
    done = [w for w in wishes if w.state == State.CONFIRMED]
    assert any(w.thanks for w in done)
    assert AuditEvent.objects.filter(action=AUDIT_ACTION).count() == 1
    street = Region.objects.get(code="DEMO-CZ-001")
    assert report_wishes(street)[0].startswith(f"微心愿 Micro-wishes: {len(wishes)}")


def test_same_seed_gives_the_same_wishes():
    from django.db import transaction

    with transaction.atomic():
        load_demo(seed=2026, scale=SCALE)
        first = _signature()
        transaction.set_rollback(True)
    load_demo(seed=2026, scale=SCALE)
    assert _signature() == first


def test_the_party_login_sees_and_claims_on_the_wall_and_the_resident_has_wishes():
    load_demo(seed=2026, scale=SCALE)
    party = User.objects.get(username="demo_party")
    wall = list(selectors.wall(party))
    assert wall and all(w.community.name == "翁亭社区" for w in wall)
    assert selectors.claimed_by_me(party).filter(state=State.CLAIMED).exists()
    c = Client()
    c.force_login(party)
    page = c.get(reverse("wishes:wall")).content.decode()
    assert "认领这个心愿" in page
    target = next(w for w in wall if selectors.card(party, w).can_claim)
    r = c.post(reverse("wishes:act", args=[target.pk]), {"action": "claim"})
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.claimed_by == party.person
    resident = User.objects.get(username="demo_resident")
    assert selectors.mine(resident).exists()
