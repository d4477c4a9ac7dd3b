"""The leads API router, shared by the contract endpoints (api.py) and the desk (api_desk.py)
so that a list and a write on the same path (GET and POST /leads/reports) are one path."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

router = Router(tags=[_("客资与判客")])
