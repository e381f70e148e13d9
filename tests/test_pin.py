"""The staff PIN: salted hashes, constant-time checks, and the rate limit on guesses (no Qt)."""

from __future__ import annotations

import pytest

from mirror_app.pin import (
    PinFormatError,
    PinLimiter,
    check_hash_format,
    hash_pin,
    hash_pin_pbkdf2,
    pin_problem,
    verify_pin,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hash_verifies_only_the_same_pin() -> None:
    stored = hash_pin("2468")
    assert stored.startswith("scrypt$")
    assert "2468" not in stored
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert not verify_pin("", stored)
    assert not verify_pin("24680", stored)


def test_every_hash_has_its_own_salt() -> None:
    first, second = hash_pin("2468"), hash_pin("2468")
    assert first != second
    assert verify_pin("2468", first) and verify_pin("2468", second)


def test_pbkdf2_presets_are_accepted() -> None:
    stored = hash_pin_pbkdf2("97531", iterations=1000)
    assert check_hash_format(stored) is None
    assert verify_pin("97531", stored)
    assert not verify_pin("97532", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "1234",  # a PIN in clear, not a hash
        "scrypt$16384$8$1$c2FsdA==",  # missing the hash
        "scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",  # N not a power of two
        "scrypt$16384$8$1$not base64!$aGFzaGhhc2hoYXNoaGFzaA==",
        "md5$abc$def",
    ],
)
def test_unreadable_hashes_are_reported_not_accepted(stored: str) -> None:
    assert check_hash_format(stored) is not None
    with pytest.raises(PinFormatError):
        verify_pin("1234", stored)


def test_pin_rules() -> None:
    assert pin_problem("2468") is None
    assert pin_problem("123456789012") is None
    assert "at least" in (pin_problem("123") or "")
    assert "at most" in (pin_problem("1234567890123") or "")
    assert "digits" in (pin_problem("12a4") or "")
    assert "same digit" in (pin_problem("0000") or "")
    assert pin_problem("١٢٣٤") is not None  # other scripts' digits are not on the keypad


def test_wrong_pins_lock_out_for_longer_and_longer() -> None:
    stored = hash_pin("2468")
    clock = FakeClock()
    limiter = PinLimiter(free_tries=3, first_lockout_s=30, max_lockout_s=120, clock=clock)
    first = limiter.attempt("1111", stored)
    assert not first.ok and first.wait_s == 0 and first.tries_left == 2
    assert limiter.attempt("2222", stored).tries_left == 1
    third = limiter.attempt("3333", stored)
    assert not third.ok and third.wait_s == pytest.approx(30)
    # Locked: even the right PIN is refused without being checked.
    clock.now += 10
    locked = limiter.attempt("2468", stored)
    assert not locked.ok and locked.wait_s == pytest.approx(20)
    clock.now += 20
    assert limiter.wait_s() == 0
    again = limiter.attempt("4444", stored)  # one wrong guess after a lock-out locks again, twice as long
    assert again.wait_s == pytest.approx(60)
    clock.now += 60
    assert limiter.attempt("5555", stored).wait_s == pytest.approx(120)
    clock.now += 120
    assert limiter.attempt("6666", stored).wait_s == pytest.approx(120)  # capped
    clock.now += 120
    assert limiter.attempt("2468", stored).ok
    assert limiter.failures == 0 and limiter.tries_left() == 3


def test_right_pin_resets_the_count() -> None:
    stored = hash_pin("2468")
    limiter = PinLimiter(free_tries=3, clock=FakeClock())
    limiter.attempt("1111", stored)
    limiter.attempt("1112", stored)
    assert limiter.attempt("2468", stored).ok
    assert limiter.attempt("1113", stored).tries_left == 2
