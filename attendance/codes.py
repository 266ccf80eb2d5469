"""The ticket's short code for typing (issue 13, item 6): ``K7M-4QX-9RP``.

The QR code holds the signed payload (rakor.signing), about 120 characters: fine for a camera,
hopeless for a person at the desk typing what a participant reads out. The short code is what
they type instead: eight random characters and one check character, printed in groups of three.

- The alphabet has no look-alikes: no 0/O, no 1/I/L, no U/V.
  29 characters (8 digits, 21 letters), and 29 is prime: that is what makes the check work.
- The check character makes ``sum(i * value(c_i)) ≡ 0 (mod 29)`` over all nine positions
  (i = 1…9). A single wrong character changes the sum by ``i * d`` with 0 < i, |d| < 29, and an
  adjacent transposition of a ≠ b by ``(a - b)``; neither is 0 modulo a prime, so every single
  substitution and every adjacent transposition is caught (tests/attendance/test_codes.py
  checks both exhaustively for a sample of codes).
- Unique per event (a partial unique constraint on Registration); 29^8 ≈ 5·10^11 codes, so a
  guesser with a few thousand registrations to hit needs ~10^8 tries, and the desk's rate limit
  (DESK_SEARCH_RATE, the desk search's limiter) gives them 30 a minute.

The scanner page's script has the same check (static/rakor/scanner/codes.js), so a typo is
caught at the desk even offline.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
MODULUS = len(ALPHABET)  # 29, prime
DATA_LENGTH = 8
LENGTH = DATA_LENGTH + 1
GROUP = 3
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# What people type between groups, or instead of a character they misread: spaces, dashes, dots;
# a typed O/0 could be either, so it is left wrong (and caught), never guessed.
_SEPARATORS = re.compile(r"[\s\-.·_/]+")
_SHAPE = re.compile(r"[A-Z0-9]+")

assert MODULUS == 29 and len(set(ALPHABET)) == MODULUS


def check_character(data: str) -> str:
    """The character that makes the weighted sum of ``data`` + it divisible by 29."""
    total = sum((i + 1) * _VALUE[c] for i, c in enumerate(data))
    weight = len(data) + 1
    # weight * x ≡ -total (mod 29): x = -total * weight^-1
    return ALPHABET[(-total * pow(weight, -1, MODULUS)) % MODULUS]


def new_short_code() -> str:
    """A fresh random code, check character included (9 characters, no separators)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def normalise(text: str) -> str:
    """What a person typed, as stored: upper case, separators removed."""
    return _SEPARATORS.sub("", text or "").upper()


def looks_like_code(text: str) -> bool:
    """Whether a typed text is meant as a short code (rather than a QR payload): short, no payload prefix.

    Said of the shape only (length after removing separators, letters and digits); whether it is a
    *good* code is ``is_valid``'s question, so a typo is told as a typo, not as a forged ticket.
    """
    cleaned = normalise(text)
    return 0 < len(cleaned) <= LENGTH + 2 and _SHAPE.fullmatch(cleaned) is not None and len(text or "") <= 20


def is_valid(text: str) -> bool:
    """A well-formed code whose check character agrees (after ``normalise``)."""
    code = normalise(text)
    if len(code) != LENGTH or any(c not in _VALUE for c in code):
        return False
    return sum((i + 1) * _VALUE[c] for i, c in enumerate(code)) % MODULUS == 0


def grouped(code: str) -> str:
    """``K7M4QX9RP`` → ``K7M-4QX-9RP``, for reading aloud."""
    code = normalise(code)
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))
