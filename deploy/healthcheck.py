"""The container's HEALTHCHECK (also usable from a load balancer's host): exit 0 when /healthz answers 200.

    python3 deploy/healthcheck.py [BASE_URL] [PATH]     default http://127.0.0.1:$PORT and /healthz

Standard library only. Sends the first of ALLOWED_HOSTS as Host (Django refuses other names) and
X-Forwarded-Proto: https, as nginx does, so a node with an HTTPS redirect answers the check itself.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main(argv: list[str]) -> int:
    base = argv[1] if len(argv) > 1 else f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    path = argv[2] if len(argv) > 2 else "/healthz"
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip() and "*" not in h]
    headers = {"X-Forwarded-Proto": "https", "User-Agent": "rakor-healthcheck"}
    if hosts:
        headers["Host"] = hosts[0].lstrip(".")
    request = urllib.request.Request(base.rstrip("/") + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310  # nosec B310 (http URL we build)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"unhealthy: {base}{path}: {error}")
        return 1
    if status != 200:
        print(f"unhealthy: {base}{path} answered {status}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
