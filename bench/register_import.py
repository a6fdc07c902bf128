"""Household register (居民台账) import and export at the size of a real community.

Loads the demo street into a fresh SQLite file (WAL, the embedded default), exports community
staff's register (about 7,000 residents in 2,600 households), then measures:
  export            building the .xlsx of the whole community
  import, created   the same file into a second database holding only the region tree
  import, unchanged the file back into the database it came from (every row checked, none written)
No peer is named by the issue; the figures stand alone. Each phase runs in its own process.

    .venv/bin/python bench/register_import.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.settings"
    os.environ.setdefault("GONGZHI_VAR_DIR", str(db.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _staff():  # type: ignore[no-untyped-def]
    from gongzhi.accounts.models import User

    return User.objects.get(username="demo_staff")


def phase(name: str, db: Path, xlsx: Path) -> dict[str, float | int]:
    _django(db)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.org.demo.loader import load_demo
    from gongzhi.org.register_export import export_register
    from gongzhi.org.register_import import import_register

    if name == "export":
        load_demo(scale=1.0)
        start = time.perf_counter()
        result = export_register(actor=_staff())
        seconds = time.perf_counter() - start
        xlsx.write_bytes(result.content)
        return {"seconds": seconds, "households": result.households, "people": result.people}
    if name == "created":
        # The region tree and the logins only: residents and households go, so that the
        # import creates them (bench set-up, not product code: plain ORM deletes).
        from gongzhi.org.models import Household, Person

        load_demo(scale=0.001)
        Person.objects.filter(household__isnull=False, user__isnull=True).delete()
        Person.objects.update(household=None, relation="")
        Household.objects.all().delete()
    upload = SimpleUploadedFile("register.xlsx", xlsx.read_bytes())
    start = time.perf_counter()
    report = import_register(actor=_staff(), file=upload)
    seconds = time.perf_counter() - start
    assert report.ok, report.errors[:5]
    return {
        "seconds": seconds,
        "rows": report.rows,
        "households_created": report.households_created,
        "people_created": report.people_created,
        "people_updated": report.people_updated,
        "people_unchanged": report.people_unchanged,
    }


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--phase":
        print(json.dumps(phase(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        full, empty, xlsx = (
            Path(tmp, "full.sqlite3"),
            Path(tmp, "tree.sqlite3"),
            Path(tmp, "r.xlsx"),
        )
        results = {}
        for name, db in (("export", full), ("created", empty), ("unchanged", full)):
            out = subprocess.run(
                [sys.executable, __file__, "--phase", name, str(db), str(xlsx)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    e, c, u = results["export"], results["created"], results["unchanged"]
    print(f"export: {e['people']} residents in {e['households']} households: {e['seconds']:.2f} s")
    print(
        f"import, created: {c['rows']} rows ({c['households_created']} households and "
        f"{c['people_created']} people created, {c['people_updated']} updated): "
        f"{c['seconds']:.2f} s = {c['rows'] / c['seconds']:,.0f} rows/s"
    )
    print(
        f"import, unchanged: {u['rows']} rows ({u['people_unchanged']} people unchanged): "
        f"{u['seconds']:.2f} s = {u['rows'] / u['seconds']:,.0f} rows/s"
    )
    print(
        f"register: export {e['seconds']:.2f} s; import {c['rows'] / c['seconds']:,.0f} rows/s "
        f"created, {u['rows'] / u['seconds']:,.0f} rows/s unchanged"
    )


if __name__ == "__main__":
    main()
