"""How well typed text is understood: per language, needs and distress on the corpus.

    .venv/bin/python bench/understanding.py [corpus.yaml] [--errors]

Reads tests/data/understanding_corpus.yaml (phrases labelled with a need, "distress" or
"nothing"), reads each phrase as the need step would in a conversation in that language,
and prints per language: need accuracy (need phrases read as their need), need precision
(of the phrases read as a need, how many were right), distress recall and precision, and
the ordinary phrases taken for distress (false alarms). `--errors` lists the misses.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.understand import default_lexicon, meaning  # noqa: E402
from bot.understand.lexicon import read_yaml  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "understanding_corpus.yaml"


@dataclass
class Scores:
    """Counts for one language."""

    phrases: int = 0
    needs: int = 0
    needs_right: int = 0
    read_as_need: int = 0
    distress: int = 0
    distress_found: int = 0
    alarms: int = 0
    false_alarms: int = 0  # "nothing" phrases read as distress
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def need_accuracy(self) -> float:
        return self.needs_right / self.needs if self.needs else 1.0

    @property
    def need_precision(self) -> float:
        return self.needs_right / self.read_as_need if self.read_as_need else 1.0

    @property
    def distress_recall(self) -> float:
        return self.distress_found / self.distress if self.distress else 1.0

    @property
    def distress_precision(self) -> float:
        return self.distress_found / self.alarms if self.alarms else 1.0


def load_corpus(path: Path = CORPUS) -> dict[str, list[tuple[str, str]]]:
    data = read_yaml(path)
    return {code: [(str(text), str(label)) for text, label in rows] for code, rows in data.items()}


def score(corpus: dict[str, list[tuple[str, str]]]) -> dict[str, Scores]:
    lexicon = default_lexicon()
    results: dict[str, Scores] = {}
    for code, rows in corpus.items():
        s = results[code] = Scores()
        for text, label in rows:
            got = meaning(text, lexicon, code) or "nothing"
            s.phrases += 1
            if got != label:
                s.errors.append((text, label, got))
            if got == "distress":
                s.alarms += 1
            elif got != "nothing":
                s.read_as_need += 1
            if label == "distress":
                s.distress += 1
                s.distress_found += got == "distress"
            elif label == "nothing":
                s.false_alarms += got == "distress"
            else:
                s.needs += 1
                s.needs_right += got == label
    return results


def main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("--")]
    results = score(load_corpus(Path(paths[0]) if paths else CORPUS))
    print(
        f"{'lang':5} {'phrases':>7} {'need acc':>9} {'need prec':>9} "
        f"{'distr rec':>9} {'distr prec':>10} {'false alarms':>12}"
    )
    for code, s in results.items():
        print(
            f"{code:5} {s.phrases:>7} {s.need_accuracy:>9.0%} {s.need_precision:>9.0%} "
            f"{s.distress_recall:>9.0%} {s.distress_precision:>10.0%} {s.false_alarms:>12}"
        )
    if "--errors" in argv:
        for code, s in results.items():
            for text, label, got in s.errors:
                print(f"  {code}: {text!r}: expected {label}, got {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
