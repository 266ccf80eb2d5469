"""Uploads are refused by their size before they are read (issue 19, item 9).

A 300 MB anonymous upload to ``/v/`` (certificate check by PDF) used to be received in
full (under ASGI Django spools the whole body to disk before any view runs) and only
then compared with the view's 10 MB limit. Now every request with a body has a limit:
the view's own (``@upload_limit("SETTING_NAME")``, the setting holding bytes) or
``settings.UPLOAD_MAX_BYTES``. It is enforced three times, the earliest that applies:

1. :class:`UploadLimitASGIMiddleware` (around the ASGI application): a declared
   ``Content-Length`` beyond the limit is never read; a body without one is counted as it
   arrives and cut at the limit. Django then gets an empty body and a mark in the scope.
2. :class:`UploadLimitMiddleware` (Django, before CSRF): answers such requests, and any whose
   ``Content-Length`` is beyond the limit (WSGI, tests), with 413 and a page that states the
   limit; for a multipart body it parses the form at once through
3. :class:`LimitedUploadHandler` (first in ``FILE_UPLOAD_HANDLERS``), which counts the files'
   bytes as they stream and stops the upload (``StopUpload``) at the limit: nothing beyond
   it is written to memory or disk.

The per-file checks in forms stay, with the same settings, for their field-level messages.
"""

from __future__ import annotations

import asyncio
from functools import partial

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

LIMIT_ATTRIBUTE = "upload_limit_setting"
# What a form's other fields and the multipart boundaries may add to the file itself.
FORM_ALLOWANCE = 1024 * 1024
SCOPE_KEY = "rakor.upload_refused"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{max(n // 1024, 1)} KB"


def upload_limit(setting_name: str):
    """Decorator: this view accepts uploads of at most ``settings.<setting_name>`` bytes.

    Put it under the other decorators (closest to the function): they copy its mark with
    functools.wraps, and the middleware finds it through ``__wrapped__`` as well.
    """
    def decorator(view):
        setattr(view, LIMIT_ATTRIBUTE, setting_name)
        return view

    return decorator


def limit_for_view(view) -> int:
    """The upload limit (bytes) of a view function, bound method or wrapper."""
    seen = 0
    while view is not None and seen < 20:
        name = getattr(view, LIMIT_ATTRIBUTE, None) or getattr(getattr(view, "__func__", None), LIMIT_ATTRIBUTE, None)
        if name:
            return getattr(settings, name)
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return settings.UPLOAD_MAX_BYTES


def limit_for_path(path: str) -> int:
    try:
        match = resolve(path)
    except Resolver404:
        return settings.UPLOAD_MAX_BYTES
    return limit_for_view(match.func)


def too_large_response(request, limit: int):
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": _("Isi permintaan terlalu besar; batasnya %(limit)s.") % {
            "limit": human_size(limit)}}, status=413)
    else:
        response = render(request, "rakor/upload_too_large.html", {"limit": human_size(limit)}, status=413)
    response["Connection"] = "close"  # the rest of the body is never read
    return response


# ---------------------------------------------------------------- Django: middleware and handler


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class UploadLimitMiddleware:
    """413 before the view (and before CSRF reads the form) for a body beyond the view's limit.

    Sync and async: under ASGI a sync-only middleware costs every request two thread hops, and a
    sync process_view one more. Only a multipart body is parsed here, in a thread (it may spool
    files to disk), and only for the requests that carry one.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)
            self.process_view = self._aprocess_view  # Django awaits it as it is, no thread hop

    def __call__(self, request):
        return self.get_response(request)  # in async mode a coroutine, which the handler awaits

    @staticmethod
    def _limit(request, view_func) -> tuple[int, bool]:
        """The view's limit, and whether the declared body is already beyond it."""
        limit = limit_for_view(view_func)
        request.upload_limit = limit
        scope = getattr(request, "scope", None) or {}
        return limit, bool(scope.get(SCOPE_KEY) or _content_length(request) > limit + FORM_ALLOWANCE)

    @staticmethod
    def _parse(request, limit):
        request.POST  # noqa: B018 -- parse now, through LimitedUploadHandler
        if getattr(request, "upload_too_large", False):
            return too_large_response(request, limit)
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in BODY_METHODS:
            return None
        limit, too_large = self._limit(request, view_func)
        if too_large:
            return too_large_response(request, limit)
        if request.content_type != "multipart/form-data":
            return None
        return self._parse(request, limit)

    async def _aprocess_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in BODY_METHODS:
            return None
        limit, too_large = self._limit(request, view_func)
        if too_large:  # the page may read the user (database): rendered in a thread
            return await sync_to_async(too_large_response, thread_sensitive=True)(request, limit)
        if request.content_type != "multipart/form-data":
            return None
        return await sync_to_async(self._parse, thread_sensitive=True)(request, limit)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in a request and stops the upload beyond its limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    @property
    def limit(self) -> int:
        return getattr(self.request, "upload_limit", None) or settings.UPLOAD_MAX_BYTES

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


# ---------------------------------------------------------------- ASGI: before Django reads the body


async def _empty_body():
    return {"type": "http.request", "body": b"", "more_body": False}


async def _never():
    """After a refused body: nothing more is read; Django cancels this wait once it has answered."""
    await asyncio.Future()


class UploadLimitASGIMiddleware:
    """Wraps the HTTP application so that a body beyond the path's limit is never received in full."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS:
            return await self.app(scope, receive, send)
        limit = limit_for_path(scope.get("path", "/")) + FORM_ALLOWANCE
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None and declared > limit:
            scope = {**scope, SCOPE_KEY: True}
            return await self.app(scope, partial(self._refused_receive, state={"sent": False}), send)
        scope = dict(scope)
        state = {"received": 0, "cut": False}

        async def counting_receive():
            if state["cut"]:
                return await _never()
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["cut"] = True
                    scope[SCOPE_KEY] = True  # Django reads the scope after the body
                    return await _empty_body()
            return message

        return await self.app(scope, counting_receive, send)

    @staticmethod
    async def _refused_receive(state):
        if state["sent"]:
            return await _never()
        state["sent"] = True
        return await _empty_body()
