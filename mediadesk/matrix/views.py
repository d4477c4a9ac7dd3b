"""Matrix pages (placeholder until the matrix UI lands)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mediadesk.matrix import queries


def tree(request: HttpRequest) -> HttpResponse:
    return render(request, "core/soon.html", {"title": "账号矩阵", "nav_active": "matrix"})


def account_list(request: HttpRequest) -> HttpResponse:
    return tree(request)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    queries.access_account(request.user, pk)
    return tree(request)
