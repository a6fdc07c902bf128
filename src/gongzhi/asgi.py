"""ASGI entry point for the production server (granian; see scripts/demo.sh and docs/intake.md).

The whole Django application, with the appeal intake fast path in front of it: a token-
authenticated POST /api/v1/appeals on the happy path is planned and group-committed by
gongzhi.appeals.fastpath; every other request is Django's, exactly as under WSGI.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
django_application = get_asgi_application()

from gongzhi.appeals.fastpath.app import FastIntake  # noqa: E402 (needs the apps loaded)

application = FastIntake(django_application)
