"""The secret behind a draw: made, sealed, committed to, and mixed with the public value.

- The secret is 32 bytes from the operating system's secure source (:mod:`secrets`).
- Until the draw it lives only in a sealed file (mode 0600, in a folder of mode 0700),
  never on a screen or in a log.
- The commitment binds it to every input:
  ``SHA-256("thads-sampling/2 commitment" ‖ 0 ‖ secret ‖ SHA-256(inputs))``.
- The seed of the draw is ``HMAC-SHA-256(secret, "thads-sampling/2 seed" ‖ 0 ‖ commitment ‖ 0 ‖
  public value)``: the operator, who knows the secret, cannot know the public value
  when committing; everybody else cannot know the secret until it is revealed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np

from ..errors import ParameterError

__all__ = ["SECRET_BYTES", "new_secret", "commitment", "derive_seed", "rng", "write_sealed",
           "read_sealed", "parse_hex"]

SECRET_BYTES = 32
_COMMIT_TAG = b"thads-sampling/2 commitment\x00"
_SEED_TAG = b"thads-sampling/2 seed\x00"


def new_secret() -> bytes:
    """32 bytes from the operating system's cryptographically secure source."""
    return secrets.token_bytes(SECRET_BYTES)


def commitment(secret: bytes, inputs_sha256: str) -> str:
    """The published commitment (hex): the secret bound to the hash of every input."""
    return hashlib.sha256(_COMMIT_TAG + secret + bytes.fromhex(inputs_sha256)).hexdigest()


def derive_seed(secret: bytes, public_value: str, promise: str) -> bytes:
    """The draw's 32-byte seed from the secret, the commitment and the public value."""
    message = _SEED_TAG + promise.encode("ascii") + b"\x00" + public_value.encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).digest()


def rng(seed: bytes, purpose: str) -> np.random.Generator:
    """A PCG64 generator derived from the seed for one ``purpose``.

    Each part of a draw (the unit draw, the stratified cases, MUS) gets its own
    stream, so changing one part's code cannot shift another part's numbers.
    """
    digest = hashlib.sha256(seed + b"\x00" + purpose.encode()).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest, "big")))


def parse_hex(text: object, length: int, what: str) -> bytes:
    """``length`` bytes written as hexadecimal, or a :class:`ValueError` naming ``what``."""
    try:
        raw = bytes.fromhex(text) if isinstance(text, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != length:
        raise ValueError(f"{what} is not {length * 2} hexadecimal digits")
    return raw


def write_sealed(path: Path, secret: bytes) -> None:
    """Write the secret to a new file readable by its owner only (refuses to overwrite)."""
    try:
        if not path.parent.is_dir():
            # A folder made here is private; a configured one keeps the mode its owner gave it.
            path.parent.mkdir(parents=True, mode=0o700)
            os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ParameterError("a sealed secret already exists here: it is not overwritten",
                             file=str(path)) from None
    except OSError as exc:
        raise ParameterError(f"cannot seal the secret here: {exc.strerror or exc}", file=str(path)) from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_sealed(path: Path) -> bytes:
    """The sealed secret, or a :class:`ParameterError` saying it is missing or damaged."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ParameterError("the sealed secret of this commitment is missing: the draw cannot be made; "
                             "commit again with --redraw --reason TEXT", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read the sealed secret: {getattr(exc, 'strerror', None) or exc}",
                             file=str(path)) from None
    try:
        return parse_hex(text, SECRET_BYTES, "the sealed secret")
    except ValueError as exc:
        raise ParameterError(str(exc), file=str(path)) from None
