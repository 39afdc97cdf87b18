"""Right-to-left isolation takes time in proportion to the text, whatever the text."""

from __future__ import annotations

import random
import re
import time

import pytest

from bot.i18n import FSI, PDI, Translators

# The isolation rule as first written (a quadratic regex): the reference for what is isolated.
REFERENCE = re.compile(
    r"[A-Za-z0-9\u00C0-\u024F+(][A-Za-z0-9\u00C0-\u024F .,'’()\-–/&+@:]*[A-Za-z0-9\u00C0-\u024F)]"
    r"|[A-Za-z0-9\u00C0-\u024F]"
)
ALPHABET = "aZ9é+() .,'’-–/&@:ب\u0627\n؟!🙂x"


@pytest.fixture(scope="module")
def arabic():
    return Translators()["ar"]


def reference(text: str) -> str:
    return REFERENCE.sub(lambda match: f"{FSI}{match.group(0)}{PDI}", text)


def best_of(runs: int, work) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
        if best > 1:  # clearly too slow: do not wait for more runs
            break
    return best


@pytest.mark.parametrize(
    "text",
    [
        "+" * 100_000,
        "+" * 8_000 + " نص " + "Caritas (Luxembourg) " * 4_000,
        ("(+352) 48 59 76 – مركز " + "+" * 40 + " ") * 1_500,
        "(" * 50_000 + "a" + " ." * 25_000,
    ],
    ids=["plus", "plus-then-mixed", "phones", "open-brackets"],
)
def test_a_100000_character_text_is_isolated_in_under_50_ms(arabic, text):
    text = (text * (100_000 // len(text) + 1))[:100_000]
    assert len(text) == 100_000
    elapsed = best_of(3, lambda: arabic.isolate_latin(text))
    assert elapsed < 0.050, f"{elapsed * 1000:.0f} ms"


def test_isolation_is_the_same_as_the_first_rule_on_random_texts(arabic):
    rng = random.Random(16)
    for _ in range(3_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert arabic.isolate_latin(text) == reference(text), repr(text)
    for text in ("", "+", "(", ")", "a", "+a", "a+", "(a)", "( a )", "+ + a b +", "ب (+352) ب"):
        assert arabic.isolate_latin(text) == reference(text), repr(text)
