"""The one HTTP policy: timeouts, retries with backoff on idempotent requests, a clear User-Agent.

Examples
--------
>>> from neurodata_widgets.http import session
>>> s = session()
>>> s.headers["User-Agent"].startswith("neurodata-widgets/")
True
"""
from __future__ import annotations

DEFAULT_TIMEOUT = (5.0, 60.0)  # (connect, read) seconds
RETRY_STATUS = (502, 503, 504)


def session(retries: int = 2, backoff: float = 0.3, timeout=DEFAULT_TIMEOUT):
    """A :class:`requests.Session` with the project's retry policy and a default timeout.

    Only idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) are retried, on connection
    errors and on 502/503/504; everything else surfaces at once so the user sees it.
    """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    from . import __version__

    class _TimeoutSession(requests.Session):
        def request(self, method, url, **kwargs):
            kwargs.setdefault("timeout", timeout)
            return super().request(method, url, **kwargs)

    s = _TimeoutSession()
    retry = Retry(total=retries, connect=retries, read=0, status=retries, backoff_factor=backoff,
                  status_forcelist=RETRY_STATUS, allowed_methods=frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}),
                  raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = f"neurodata-widgets/{__version__}"
    return s
