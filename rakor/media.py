"""Handing a stored file (default_storage: the local disk or an S3-compatible bucket) to a browser.

Every download of a stored file goes through ``stored_file_response``, never a local path:

- on object storage (django-storages' S3Storage, ``AWS_STORAGE_BUCKET_NAME``) and with
  ``MEDIA_DOWNLOAD_REDIRECT`` on, the answer is a redirect to a signed URL of the bucket that
  expires after ``AWS_QUERYSTRING_EXPIRE`` seconds and names the file and its type, so the app
  node carries no bytes; the view has already decided who may have the file;
- otherwise the file is streamed from the storage in chunks (``FileResponse``), whichever node
  asks: nothing is read from this node's own disk unless the storage is that disk.

Neither answer may be cached by anyone (``private, no-store``) and the redirect leaks no referrer.
"""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header


def signs_urls(storage: Storage | None = None) -> bool:
    """Whether ``storage`` can hand out signed, expiring URLs of its own (S3-compatible storage can)."""
    storage = storage or default_storage
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket_name")


def signed_url(name: str, *, filename: str, content_type: str, as_attachment: bool = True,
               storage: Storage | None = None) -> str:
    """A short-lived signed URL of a stored file that the storage serves with this name and type."""
    storage = storage or default_storage
    return storage.url(name, parameters={
        "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
        "ResponseContentType": content_type,
        "ResponseCacheControl": "private, no-store",
    }, expire=settings.AWS_QUERYSTRING_EXPIRE)


def stored_file_response(name: str, *, filename: str, content_type: str = "", as_attachment: bool = True,
                         storage: Storage | None = None) -> HttpResponse:
    """The download of the stored file ``name``: a redirect to a signed URL, or the bytes streamed from storage.

    ``content_type`` defaults to the one ``filename`` suggests (else application/octet-stream).
    """
    storage = storage or default_storage
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if settings.MEDIA_DOWNLOAD_REDIRECT and signs_urls(storage):
        response = HttpResponseRedirect(signed_url(name, filename=filename, content_type=content_type,
                                                   as_attachment=as_attachment, storage=storage))
        response["Referrer-Policy"] = "no-referrer"  # the page's URL may be a credential (the portal)
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type, as_attachment=as_attachment,
                                filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
