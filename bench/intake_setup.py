"""Prepare the intake benchmark's database and inputs (run by bench/intake.py).

Gives `--users` residents of the loaded demo street a login and a personal API token, and
writes JSON to `--out`: the tokens with each resident's building, and `--texts` synthetic
appeal texts (gongzhi.intel.synthetic, seed 1) that the router can file (a text no category
can be suggested for is a 400, not an appeal). The same texts go to baisitong2.
With `--verify FILE` (a JSON list of appeal ids) it prints instead how many of those appeals
are in the database, with their first timeline event and their audit event.
Uses DATABASE_URL like every gongzhi command.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--verify", type=Path)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    if args.verify is not None:
        verify(json.loads(args.verify.read_text(encoding="utf-8")))
        return
    if args.out is None:
        parser.error("--out is required")
    from django.utils import timezone

    from gongzhi.accounts.models import User
    from gongzhi.api.services import issue_api_token
    from gongzhi.appeals.config import get_config
    from gongzhi.appeals.intake import plan_intake
    from gongzhi.core.errors import ValidationFailed
    from gongzhi.intel.synthetic import generate
    from gongzhi.org.models import Person
    from gongzhi.org.scopes import scope_for

    people = (
        Person.objects.filter(household__isnull=False, user__isnull=True)
        .exclude(household__building=None)
        .select_related("household")
        .order_by("pk")[: args.users]
    )
    callers: list[dict[str, Any]] = []
    buildings: list[int] = []
    for i, person in enumerate(people):
        user = User.objects.create_user(username=f"bench_intake_{person.pk}", person=person)
        scope = scope_for(user)
        if not scope.home_path or person.household is None:
            continue
        token = issue_api_token(actor=user, name=f"bench {i}")
        callers.append({"token": token.secret, "building_id": person.household.building_id})
        buildings.append(person.household.building_id)
    if not callers:
        raise SystemExit("no residents with a building: load the demo first")

    config = get_config()
    building = buildings[0]
    texts: list[str] = []
    now = timezone.now()
    for appeal in generate(args.texts * 2, scheme="gov", seed=1):
        try:
            plan_intake(config, text=appeal.text, building_id=building, now=now)
        except ValidationFailed:
            continue
        if len(appeal.text) <= 1000:  # baisitong2's limit
            texts.append(appeal.text)
        if len(texts) >= args.texts:
            break
    args.out.write_text(
        json.dumps({"callers": callers, "texts": texts}, ensure_ascii=False), encoding="utf-8"
    )
    print(f"setup: {len(callers)} callers with tokens, {len(texts)} texts")


def verify(ids: list[int]) -> None:
    """Print `verify: <found> <with event> <with audit> of <n>` for the acknowledged ids."""
    from gongzhi.appeals.models import Appeal, AppealEvent
    from gongzhi.core.models import AuditEvent

    wanted = sorted(set(ids))
    found = with_event = with_audit = 0
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        found += Appeal.objects.filter(pk__in=part).count()
        with_event += (
            AppealEvent.objects.filter(appeal_id__in=part, kind="submitted")
            .values("appeal_id")
            .distinct()
            .count()
        )
        with_audit += (
            AuditEvent.objects.filter(action="appeal.submit", object_id__in=[str(i) for i in part])
            .values("object_id")
            .distinct()
            .count()
        )
    print(f"verify: {found} {with_event} {with_audit} of {len(wanted)}")


if __name__ == "__main__":
    main()
