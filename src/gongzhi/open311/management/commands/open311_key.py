"""`gongzhi open311_key create --region CODE --name NAME`: issue an Open311 API key (printed
once); `gongzhi open311_key list`; `gongzhi open311_key deactivate ID`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import DomainError
from gongzhi.open311 import services
from gongzhi.open311.models import Open311Client
from gongzhi.org.models import Region


def _region(value: str) -> Region:
    region = Region.objects.filter(code=value).first()
    if region is None and value.isdigit():
        region = Region.objects.filter(pk=int(value)).first()
    if region is None:
        raise CommandError(f"No region with the code or id {value!r}.")
    return region


class Command(BaseCommand):
    help = "Issue, list and deactivate Open311 GeoReport v2 API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a key; it is printed once")
        create.add_argument(
            "--region",
            required=True,
            help="code (or id) of the street, community, village or grid the key may use",
        )
        create.add_argument("--name", required=True, help="who or what the key is for")
        sub.add_parser("list", help="list the clients (never their keys)")
        deactivate = sub.add_parser("deactivate", help="switch a key off")
        deactivate.add_argument("id", type=int, help="the client's id (see list)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                issued = services.create_client(
                    actor=None, name=options["name"], region=_region(options["region"])
                )
                client = issued.client
                self.stdout.write(
                    f"Open311 client {client.pk} “{client.name}” for {client.region.name} "
                    f"({client.region.code})"
                )
                self.stdout.write(f"Open311 API key: {issued.key}")
                self.stdout.write("The key is shown only now: store it safely.")
            elif action == "list":
                for client in Open311Client.objects.select_related("region").order_by("pk"):
                    state = "active" if client.active else "inactive"
                    self.stdout.write(
                        f"{client.pk}\t{client.prefix}…\t{state}\t{client.region.code}\t"
                        f"{client.name}"
                    )
            else:
                found = Open311Client.objects.select_related("region").filter(pk=options["id"])
                target = found.first()
                if target is None:
                    raise CommandError(f"No Open311 client {options['id']}.")
                services.deactivate_client(actor=None, client=target)
                self.stdout.write(f"Open311 client {target.pk} deactivated.")
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
