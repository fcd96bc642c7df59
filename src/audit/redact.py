"""Credentials never reach an output: the one place that hides them in any text.

Everything that writes what a user typed (a source URL, a DSN, an error from a
database driver) passes it through :func:`redact` first: the manifest, the
report, the executed notebook, the conclusion, error lines and the sampling
files. It hides, in any text:

- the password of a URL's user information, ``scheme://user:password@host``
  (also when the password holds ``:``, ``/`` or ``@``, or is percent-encoded);
- the value of a password-like key, wherever ``key=value`` appears: URL query
  parameters (``?password=…``, ``&sslpassword=…``), libpq keyword/value strings
  (``host=db password='s e c' dbname=x``), ODBC strings (``PWD=…;``) and
  environment assignments (``PGPASSWORD=…``).

Credentials need not be typed at all: libpq (and so psycopg and the
``postgresql://`` sources) reads ``PGPASSWORD``, ``~/.pgpass`` (or the file in
``PGPASSFILE``) and service files (``postgresql:///?service=NAME``, found in
``~/.pg_service.conf`` or ``PGSERVICEFILE``) by itself.
"""

from __future__ import annotations

import re

__all__ = ["redact", "MASK"]

MASK = "***"

# Keys whose value is a secret (case-insensitive, anywhere in the key: PGPASSWORD, sslpassword).
_SECRET_KEY = r"[\w.-]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key)[\w.-]*"
# key=value, key = 'quoted value', key%3Dvalue (a query string encoded once more).
_KEY_VALUE = re.compile(
    rf"(?P<key>(?<![\w.-]){_SECRET_KEY})(?P<eq>\s*=\s*|%3[dD])"
    r"(?!=)(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;'\"\\,)}\]]+)",
    re.IGNORECASE,
)
# A URL up to whitespace, a quote, a backslash (JSON/Python escapes) or a bracket.
_URL = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<rest>[^\s'\"\\<>`]+)")


def _url(match: re.Match[str]) -> str:
    scheme, rest = match.group("scheme"), match.group("rest")
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    head, tail = rest[:cut], rest[cut:]
    if head.startswith("/"):  # no authority (sqlite:///path): an '@' there is part of a path
        return scheme + rest
    at = head.rfind("@")  # the password may hold '@', the host never does
    if at > 0:
        userinfo, host = head[:at], head[at:]
        user, colon, _ = userinfo.partition(":")
        if colon:
            head = f"{user}:{MASK}{host}"
    return scheme + head + tail


def _key_value(match: re.Match[str]) -> str:
    return f"{match.group('key')}{match.group('eq')}{MASK}"


def redact(text: object) -> str:
    """``text`` with every credential in it replaced by ``***``.

    Parameters
    ----------
    text : object
        Any text (``None`` gives ""); a ``sqlalchemy.URL`` is rendered first.

    Returns
    -------
    str
        The same text with URL passwords and the values of password-like keys masked;
        the rest (user, host, database, other parameters) unchanged.

    Examples
    --------
    >>> redact("postgresql://audit:s3cret@db/thads?sslmode=require&password=x")
    'postgresql://audit:***@db/thads?sslmode=require&password=***'
    >>> redact("host=db user=audit password='a b' dbname=thads")
    "host=db user=audit password=*** dbname=thads"
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        render = getattr(text, "render_as_string", None)
        text = render(hide_password=True) if callable(render) else str(text)
    return _KEY_VALUE.sub(_key_value, _URL.sub(_url, text))
