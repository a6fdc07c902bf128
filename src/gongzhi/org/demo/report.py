"""The text `gongzhi demo` prints: what was loaded, then one login per role."""

from __future__ import annotations

import unicodedata

from gongzhi.org.demo.loader import DEMO_STREET_CODE, DemoResult


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def format_result(result: DemoResult) -> str:
    c = result.counts
    name = result.street.name
    how = f"seed {result.seed}, scale {result.scale}"
    if result.created:
        head = (
            f"Loaded the demo community {name} ({DEMO_STREET_CODE}) "
            f"in {result.seconds:.1f} s ({how})."
        )
    else:
        head = (
            f"The demo community {name} ({DEMO_STREET_CODE}) is already loaded ({how}); "
            "nothing was created."
        )
    lines = [
        head,
        f"  {c['streets']} street, {c['communities']} community, {c['villages']} village, "
        f"{c['grids']} grids, {c['buildings']} buildings",
        f"  {c['households']} households, {c['people']} people ({c['tags']} tags)",
        f"  Party: {c['party_committees']} committees, {c['party_branches']} branches, "
        f"{c['party_groups']} groups, {c['party_centre_households']} centre households, "
        f"{c['party_members']} members ({c['party_members_in_service']} dual-registered)",
        f"  {c['partner_units']} partner units, {c['committee_members']} committee members (1+5+N)",
        "",
        f"Demo logins (password: {result.password}):",
    ]
    roles = [f"{login.zh} {login.en}" for login in result.logins]
    role_width = max((display_width(r) for r in roles), default=0) + 2
    user_width = max((len(login.username) for login in result.logins), default=0) + 2
    for role, login in zip(roles, result.logins, strict=True):
        lines.append(
            f"  {pad(role, role_width)}{login.username.ljust(user_width)}{login.phone}  "
            f"sees {login.sees}"
        )
    lines.extend(result.notes)
    return "\n".join(lines)
