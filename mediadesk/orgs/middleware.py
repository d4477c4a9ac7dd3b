"""Every page needs a login except those marked @login_not_required; the API authenticates itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation


class LoginRequiredMiddleware(DjangoLoginRequired):
    OPEN_PREFIXES = ("/api/", "/static/", "/healthz")

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(self.OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserLanguageMiddleware:
    """Activates the signed-in user's chosen interface language (User.language) per request.

    Runs after AuthenticationMiddleware; anonymous visitors (the login page) keep what
    LocaleMiddleware chose from the language cookie, Accept-Language or LANGUAGE_CODE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if user is not None and user.is_authenticated and language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
