"""Every page needs a login except those marked @login_not_required; the API authenticates itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponseBase


class LoginRequiredMiddleware(DjangoLoginRequired):
    OPEN_PREFIXES = ("/api/", "/static/", "/healthz")

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(self.OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
