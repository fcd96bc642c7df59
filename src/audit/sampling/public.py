"""Public randomness: values nobody knows when a draw is committed, and anybody can check after.

A commitment names a source and the *first round of that source published
after the earliest draw time* (commitment time + the configured delay): the
operator chooses neither the round nor, since it is published later, its value.
At draw time the operator types the value in; the toolkit never fetches it.

Sources (``draw.public_source`` in ``params/sampling.yaml``):

``xsmb``
    The special prize (giải đặc biệt, five digits) of the Northern lottery
    (Xổ số kiến thiết miền Bắc), drawn every day from 18:15 Hanoi time and printed
    in the next morning's newspapers. A round is a date (``2026-11-04``).
``drand-quicknet``
    The ``randomness`` (64 hex digits) of a round of the League of Entropy's drand
    *quicknet* chain, one round every 3 seconds since its genesis; each round is
    signed by the network, so its value can be checked offline with any drand client.
``nist-beacon``
    The ``outputValue`` (128 hex digits) of the NIST Randomness Beacon 2.0 pulse of a
    given minute (a round is the minute, ``2026-11-04T12:00Z``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParameterError

__all__ = ["Round", "SOURCES", "first_round", "parse_round", "normalise_value", "parse_entry",
           "read_values", "where_to_read"]

_HANOI = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Round:
    """One round of a public source: its name, when its value comes into being, when it is public.

    ``starts_at`` is the moment before which nobody can know the value (the lottery
    begins drawing, the beacon round's time); ``published_at`` is the moment from which
    a draw may use it.
    """

    source: str
    round: str
    starts_at: dt.datetime
    published_at: dt.datetime

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "round": self.round, "starts_at": iso(self.starts_at),
                "published_at": iso(self.published_at)}


def iso(moment: dt.datetime) -> str:
    """UTC, ISO 8601 to the microsecond with a ``Z``: one spelling for every recorded time."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone")
    return moment.astimezone(dt.UTC)


class _Xsmb:
    name = "xsmb"
    value_help = "the five digits of the special prize (giải đặc biệt)"
    _pattern = re.compile(r"^[0-9]{5}$")  # ASCII digits only: what is recorded is what was published

    def round_at(self, day: dt.date) -> Round:
        # Drawing starts at 18:15 Hanoi time; the special prize is drawn last and every
        # result is on the official pages by 19:00.
        start = dt.datetime.combine(day, dt.time(18, 15), _HANOI)
        return Round(self.name, day.isoformat(), _utc(start), _utc(start + dt.timedelta(minutes=45)))

    def first_after(self, moment: dt.datetime) -> Round:
        day = moment.astimezone(_HANOI).date()
        found = self.round_at(day)
        return found if found.starts_at > moment else self.round_at(day + dt.timedelta(days=1))

    def parse(self, text: str) -> Round:
        try:
            return self.round_at(dt.date.fromisoformat(text))
        except ValueError:
            raise ParameterError(f"xsmb round {text!r} is not a date (YYYY-MM-DD)") from None

    def normalise(self, text: str) -> str:
        value = re.sub(r"\s+", "", text)
        if not self._pattern.match(value):
            raise ParameterError(f"the xsmb value must be {self.value_help}, got {text!r}")
        return value

    def where(self, r: Round) -> str:
        return (f"the special prize (giải đặc biệt) of the Northern lottery (Xổ số kiến thiết miền Bắc) "
                f"drawn on {r.round}: the lottery company's results page or the next day's newspapers")


class _Drand:
    name = "drand-quicknet"
    value_help = "the round's randomness, 64 hexadecimal digits"
    chain = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
    genesis = 1692803367  # seconds since the epoch: round 1
    period = 3
    _pattern = re.compile(r"^[0-9a-f]{64}$")

    def round_at(self, number: int) -> Round:
        moment = dt.datetime.fromtimestamp(self.genesis + (number - 1) * self.period, dt.UTC)
        return Round(self.name, str(number), moment, moment)

    def first_after(self, moment: dt.datetime) -> Round:
        # Round r is emitted at genesis + (r - 1)·period: the first strictly later than moment.
        elapsed = _utc(moment).timestamp() - self.genesis
        return self.round_at(max(1, math.floor(elapsed / self.period) + 2))

    def parse(self, text: str) -> Round:
        if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) < 1:
            raise ParameterError(f"drand-quicknet round {text!r} is not a round number")
        return self.round_at(int(text))

    def normalise(self, text: str) -> str:
        value = text.strip().lower()
        if not self._pattern.match(value):
            raise ParameterError(f"the drand-quicknet value must be {self.value_help}, got {text[:80]!r}")
        return value

    def where(self, r: Round) -> str:
        return (f"the \"randomness\" field of round {r.round} of the drand quicknet chain {self.chain} "
                f"(https://api.drand.sh/{self.chain}/public/{r.round} or any drand client)")


class _Nist:
    name = "nist-beacon"
    value_help = "the pulse's outputValue, 128 hexadecimal digits"
    _pattern = re.compile(r"^[0-9a-f]{128}$")

    def round_at(self, minute: dt.datetime) -> Round:
        minute = _utc(minute).replace(second=0, microsecond=0)
        return Round(self.name, minute.strftime("%Y-%m-%dT%H:%MZ"), minute, minute)

    def first_after(self, moment: dt.datetime) -> Round:
        return self.round_at(_utc(moment).replace(second=0, microsecond=0) + dt.timedelta(minutes=1))

    def parse(self, text: str) -> Round:
        try:
            moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC)
        except ValueError:
            raise ParameterError(f"nist-beacon round {text!r} is not a minute (YYYY-MM-DDTHH:MMZ)") from None
        return self.round_at(moment)

    def normalise(self, text: str) -> str:
        value = text.strip().lower()
        if not self._pattern.match(value):
            raise ParameterError(f"the nist-beacon value must be {self.value_help}, got {text[:80]!r}")
        return value

    def where(self, r: Round) -> str:
        ms = int(r.starts_at.timestamp() * 1000)
        return (f"the outputValue of the NIST Randomness Beacon 2.0 pulse of {r.round} "
                f"(https://beacon.nist.gov/beacon/2.0/pulse/time/{ms})")


SOURCES: dict[str, Any] = {s.name: s for s in (_Xsmb(), _Drand(), _Nist())}


def _source(name: str) -> Any:
    try:
        return SOURCES[name]
    except KeyError:
        raise ParameterError(f"unknown public randomness source {name!r} "
                             f"(known: {', '.join(SOURCES)})") from None


def first_round(source: str, earliest: dt.datetime) -> Round:
    """The round a commitment names: the source's first round that starts after ``earliest``."""
    return _source(source).first_after(_utc(earliest))


def parse_round(source: str, name: str) -> Round:
    """The round called ``name`` of ``source`` (as recorded in a commitment)."""
    return _source(source).parse(str(name))


def normalise_value(source: str, text: str) -> str:
    """The value in its one recorded spelling; a malformed value is a :class:`ParameterError`."""
    if not isinstance(text, str):
        raise ParameterError(f"the public value must be text, got {text!r}")
    return _source(source).normalise(text)


def where_to_read(r: Round) -> str:
    """Where a person reads the value of round ``r`` (for the commitment's printout and the docs)."""
    return _source(r.source).where(r)


def value_help(source: str) -> str:
    return str(_source(source).value_help)


def parse_entry(text: str) -> tuple[str | None, str | None, str]:
    """``VALUE`` or ``SOURCE ROUND VALUE`` (as typed, or as a line of a values file)."""
    parts = text.split()
    if len(parts) >= 3 and parts[0] in SOURCES:
        return parts[0], parts[1], " ".join(parts[2:])
    return None, None, text


def read_values(path: str | Path) -> dict[tuple[str, str], str]:
    """A values file: one ``SOURCE ROUND VALUE`` a line; ``#`` starts a comment.

    Raises
    ------
    ParameterError
        An unreadable file or a line that is not of that form, naming the file and line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read the public values: {getattr(exc, 'strerror', None) or exc}",
                             file=str(path)) from None
    found: dict[tuple[str, str], str] = {}
    for no, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        source, name, value = parse_entry(line)
        if source is None or name is None:
            raise ParameterError("expected SOURCE ROUND VALUE (e.g. xsmb 2026-11-04 12345)",
                                 file=str(path), row=no)
        try:
            key = (source, parse_round(source, name).round)
            found[key] = normalise_value(source, value)
        except ParameterError as exc:
            raise ParameterError(exc.message, file=str(path), row=no) from None
    return found
