"""Articles per second for the rules classifier: `python tests/bench/bench_classify.py`.

Generates 5,000 realistic ~600-word article bodies (wire-style sentences about the
talks, the war and everything around it, plus page boilerplate) with a fixed seed,
then classifies them all and prints the rate. Options: `--articles N`, `--words N`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.status.rules import RulesClassifier

HEADLINES = [
    "Ukraine peace talks stall over territory",
    "Russian and Ukrainian delegations to meet in Istanbul on Monday",
    "Kremlin says talks with Kyiv make progress on prisoner swap",
    "Energy truce takes effect as Moscow and Kyiv halt strikes",
    "Trump calls off summit with Putin",
    "Drone attack knocks out power in Kharkiv",
    "Zelensky urges allies to press Russia to accept ceasefire",
    "Russia and Ukraine sign framework agreement in Riyadh",
]
SENTENCES = [
    "Negotiators met for several hours in {city} on {day}, officials said.",
    "The {side} delegation said the talks had been difficult but useful.",
    "Russian forces launched {n} drones overnight, the Ukrainian air force said.",
    "Analysts say a sustained ceasefire is a prerequisite for any lasting settlement.",
    "Ceasefire violations were reported along the front line near {place}.",
    "{leader} said he was ready to meet his counterpart if conditions allowed.",
    "There has been no breakthrough on the question of occupied territory.",
    "The two sides agreed to exchange {n} prisoners of war, mediators said.",
    "Diplomats in {city} described the atmosphere as constructive.",
    "Energy company officials said repairs to the grid would take weeks.",
    "The European Union is preparing a new package of sanctions against Moscow.",
    "The 2022 talks in Istanbul collapsed after a month of negotiations.",
    "Meanwhile, the Gaza ceasefire brokered by Egypt and Qatar continued to hold.",
    "Hopes for a quick deal have faded as both sides dig in.",
    "{leader} told reporters that Russia would not give up its demands.",
    "Residents of {place} spent another night in shelters as sirens sounded.",
    "The next round of talks is expected to take place in {city} next week.",
    "Officials refused to comment on the substance of the discussions.",
    "Prices for grain exported through Black Sea ports rose for a third week.",
    "The United Nations called for an immediate halt to attacks on civilians.",
]
BOILERPLATE = ["Recommendations", "Delhi | 25°C (windy)", "Share this article", "5 Views"]
FILL = {
    "city": ["Istanbul", "Geneva", "Riyadh", "Abu Dhabi", "Jeddah", "Miami"],
    "day": ["Monday", "Tuesday", "Friday", "Sunday"],
    "side": ["Ukrainian", "Russian", "American"],
    "n": ["84", "146", "390", "1,000"],
    "place": ["Pokrovsk", "Kupiansk", "Zaporizhzhia", "Kharkiv"],
    "leader": ["Zelensky", "Putin", "Peskov", "Lavrov", "Umerov"],
}


def make_article(rng: random.Random, words: int) -> tuple[str, str]:
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            template = rng.choice(SENTENCES)
            sentence = template.format(**{k: rng.choice(v) for k, v in FILL.items()})
            sentences.append(sentence)
            count += sentence.count(" ") + 1
        paragraphs.append(" ".join(sentences))
    paragraphs.insert(0, rng.choice(BOILERPLATE))
    paragraphs.append(rng.choice(BOILERPLATE))
    return rng.choice(HEADLINES), "\n\n".join(paragraphs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--words", type=int, default=600)
    args = parser.parse_args()
    rng = random.Random(20250520)
    articles = [make_article(rng, args.words) for _ in range(args.articles)]
    words = sum(len(t.split()) for _, t in articles) / len(articles)
    classifier = RulesClassifier()
    classifier("warm-up", "Talks stalled.")
    started = time.perf_counter()
    statuses = Counter(classifier(title, text).status for title, text in articles)
    elapsed = time.perf_counter() - started
    print(f"rules classifier: {len(articles)} articles of ~{words:.0f} words in {elapsed:.2f} s")
    print(
        f"{len(articles) / elapsed:.0f} articles/s ({elapsed / len(articles) * 1000:.2f} ms each)"
    )
    print("statuses:", dict(statuses.most_common()))


if __name__ == "__main__":
    main()
