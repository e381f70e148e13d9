"""The staff PIN: salted, slow hashes (scrypt; PBKDF2 accepted for presets) and a rate limit on guesses.

No Qt here, so the rules are tested without a display. A stored PIN looks like

    scrypt$16384$8$1$<salt, base64>$<hash, base64>
    pbkdf2_sha256$600000$<salt, base64>$<hash, base64>

`python -m mirror_app.pin` prints such a line for a PIN typed at the prompt, to preset it in the config.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

MIN_DIGITS = 4
MAX_DIGITS = 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # ~16 MiB and ~50 ms per check: cheap for staff, slow for guessing
PBKDF2_ITERATIONS = 600_000
_SALT_BYTES = 16
_HASH_BYTES = 32
_MAX_SCRYPT_N = 2**20  # refuse absurd presets that would freeze the window for minutes
_MAX_PBKDF2_ITERATIONS = 10_000_000


class PinFormatError(ValueError):
    """A stored PIN hash that cannot be read (hand-edited or corrupt config)."""


def pin_problem(pin: str) -> str | None:
    """Why this PIN cannot be used, or None: 4 to 12 digits, not all the same digit."""
    if not pin.isdigit() or not pin.isascii():
        return "use digits only"
    if len(pin) < MIN_DIGITS:
        return f"use at least {MIN_DIGITS} digits"
    if len(pin) > MAX_DIGITS:
        return f"use at most {MAX_DIGITS} digits"
    if len(set(pin)) == 1:
        return "do not use the same digit throughout"
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise PinFormatError(f"not base64: {text[:12]!r}") from exc


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of the PIN, as one line fit for the config file."""
    salt = secrets.token_bytes(_SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=_HASH_BYTES
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def hash_pin_pbkdf2(pin: str, *, iterations: int = PBKDF2_ITERATIONS, salt: bytes | None = None) -> str:
    """A salted PBKDF2-HMAC-SHA256 hash (for presets made with other tools)."""
    salt = secrets.token_bytes(_SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations, dklen=_HASH_BYTES)
    return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(digest)}"


def _int(text: str, what: str) -> int:
    if not text.isdigit():
        raise PinFormatError(f"{what} is not a whole number: {text!r}")
    return int(text)


def _derive(pin: str, stored: str) -> tuple[bytes, bytes]:
    """The digest of `pin` under the stored hash's parameters, and the stored digest."""
    parts = stored.strip().split("$")
    if parts[0] == "scrypt" and len(parts) == 6:
        n, r, p = _int(parts[1], "scrypt N"), _int(parts[2], "scrypt r"), _int(parts[3], "scrypt p")
        if n < 2 or n & (n - 1) or n > _MAX_SCRYPT_N or not (1 <= r <= 32) or not (1 <= p <= 16):
            raise PinFormatError(f"scrypt parameters out of range (N={n}, r={r}, p={p})")
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
        maxmem = max(64 * 1024 * 1024, 256 * n * r)
        try:
            got = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=len(expected))
        except (ValueError, MemoryError) as exc:
            raise PinFormatError(f"scrypt refused these parameters ({exc})") from exc
        return got, expected
    if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
        iterations = _int(parts[1], "PBKDF2 iterations")
        if not (1 <= iterations <= _MAX_PBKDF2_ITERATIONS):
            raise PinFormatError(f"PBKDF2 iterations out of range ({iterations})")
        salt, expected = _unb64(parts[2]), _unb64(parts[3])
        return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations, dklen=len(expected)), expected
    raise PinFormatError("expected 'scrypt$N$r$p$salt$hash' or 'pbkdf2_sha256$iterations$salt$hash'")


def check_hash_format(stored: str) -> str | None:
    """Why a stored hash is unusable, or None (parses it without the slow hashing)."""
    parts = stored.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (_int(x, "scrypt parameter") for x in parts[1:4])
            if n < 2 or n & (n - 1) or n > _MAX_SCRYPT_N or not (1 <= r <= 32) or not (1 <= p <= 16):
                return f"scrypt parameters out of range (N={n}, r={r}, p={p})"
            salt, digest = _unb64(parts[4]), _unb64(parts[5])
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            if not (1 <= _int(parts[1], "PBKDF2 iterations") <= _MAX_PBKDF2_ITERATIONS):
                return "PBKDF2 iterations out of range"
            salt, digest = _unb64(parts[2]), _unb64(parts[3])
        else:
            return "expected 'scrypt$N$r$p$salt$hash' or 'pbkdf2_sha256$iterations$salt$hash'"
    except PinFormatError as exc:
        return str(exc)
    if len(salt) < 8 or len(digest) < 16:
        return "salt or hash too short"
    return None


def verify_pin(pin: str, stored: str) -> bool:
    """Whether `pin` matches the stored hash (constant-time compare); raises PinFormatError for a bad hash."""
    got, expected = _derive(pin, stored)
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one PIN entry."""

    ok: bool
    wait_s: float = 0.0  # > 0: refused without checking; try again after this long
    tries_left: int = 0  # wrong guesses left before the next lock-out


class PinLimiter:
    """Rate limit on PIN guesses: a few free tries, then lock-outs that double (30 s, 60 s, ... up to 15 min).

    A correct PIN resets it. The clock is injectable so tests need not wait.
    """

    def __init__(
        self,
        free_tries: int = 3,
        first_lockout_s: float = 30.0,
        max_lockout_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_tries = free_tries
        self.first_lockout_s = first_lockout_s
        self.max_lockout_s = max_lockout_s
        self.clock = clock
        self.failures = 0
        self._locked_until = 0.0

    def wait_s(self) -> float:
        """Seconds until the next guess is allowed (0 when it is allowed now)."""
        return max(0.0, self._locked_until - self.clock())

    def tries_left(self) -> int:
        """Wrong guesses left before the next lock-out."""
        if self.failures < self.free_tries:
            return self.free_tries - self.failures
        return 1  # after the first lock-out, every wrong guess locks again

    def attempt(self, pin: str, stored: str) -> Attempt:
        """Check a guess unless locked out; raises PinFormatError if the stored hash is unreadable."""
        wait = self.wait_s()
        if wait > 0:
            return Attempt(False, wait_s=wait)
        if verify_pin(pin, stored):
            self.reset()
            return Attempt(True)
        self.failures += 1
        if self.failures >= self.free_tries:
            doublings = self.failures - self.free_tries
            lockout = min(self.max_lockout_s, self.first_lockout_s * 2 ** min(doublings, 30))
            self._locked_until = self.clock() + lockout
            return Attempt(False, wait_s=lockout)
        return Attempt(False, tries_left=self.tries_left())

    def reset(self) -> None:
        """Forget past failures (after a correct PIN)."""
        self.failures = 0
        self._locked_until = 0.0


def _main() -> None:
    import getpass

    pin = getpass.getpass("New staff PIN: ")
    problem = pin_problem(pin)
    if problem:
        raise SystemExit(f"PIN not accepted: {problem}")
    if getpass.getpass("Again: ") != pin:
        raise SystemExit("the two PINs differ")
    print(f'pin_hash = "{hash_pin(pin)}"')


if __name__ == "__main__":
    _main()
