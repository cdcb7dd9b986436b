"""Measure what docs/classifier.md claims: the architecture choice (dev) and the baselines (test).

    python bench/compare_classifiers.py            # both tables
    python bench/compare_classifiers.py --dev      # only the architecture comparison (trains 6 models, ~12 min)
    python bench/compare_classifiers.py --test     # only Siloless vs the two baselines on the test split

``--dev`` trains every candidate architecture (``intents/config.<arch>.cfg``) on the train split with
the same seed and schedule and scores it on the dev split. ``--test`` scores, on the test split,
the shipped model, the keyword-rule baseline (``intents.baseline``) and a TF-IDF + logistic
regression baseline (scikit-learn, a dev-only dependency: this file is never imported at run
time). All three get the same urgency rules fed with their own intents, so urgency numbers
compare end to end; the shipped model also has its learned critical detector (the baselines have
none), so its urgency columns include that rule. Results replace the marked blocks in docs/classifier.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the speed column says

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intents.classifier import Classifier  # noqa: E402
from intents.dataset import DATA_DIR, LabelledPost, read_labelled  # noqa: E402
from intents.evaluate import evaluate  # noqa: E402
from intents.labels import INTENTS  # noqa: E402
from intents.paths import ARCHITECTURES, DEFAULT_MODEL_DIR  # noqa: E402

DOC = ROOT / "docs" / "classifier.md"


def tfidf_classifier(train: Sequence[LabelledPost], dev: Sequence[LabelledPost]) -> Classifier:
    """Word 1-2-grams + char_wb 2-5-grams, sublinear TF-IDF, logistic regression; C picked on dev."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline, make_union

    def fit(c: float) -> Any:
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        model = make_pipeline(features, LogisticRegression(C=c, max_iter=5000))
        return model.fit([p.text for p in train], [p.intent for p in train])

    scored = []
    for c in (1.0, 3.0, 10.0, 30.0, 100.0):
        model = fit(c)
        f1 = f1_score([p.intent for p in dev], model.predict([p.text for p in dev]), average="macro")
        scored.append((f1, -c, model))
    best_f1, neg_c, best = max(scored, key=lambda t: (t[0], t[1]))
    classes = list(best.classes_)

    def score(texts: list[str]) -> list[dict[str, float]]:
        return [{label: float(row[classes.index(label)]) if label in classes else 0.0 for label in INTENTS}
                for row in best.predict_proba(texts)]

    return Classifier(score, f"tfidf-logreg (C={-neg_c:g}, dev macro-F1 {best_f1:.3f})")


def architecture_rows() -> list[str]:
    from intents.train import train_model

    train_posts = read_labelled(DATA_DIR / "train.jsonl")
    dev = read_labelled(DATA_DIR / "dev.jsonl")
    rows = ["| architecture | dev macro-F1 | en | nl | dev accuracy | train time | posts/s (`nlp.pipe`, 1 core) "
            "| model size |", "|---|---|---|---|---|---|---|---|"]
    for arch in ARCHITECTURES:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "model"
            start = time.perf_counter()
            train_model(output=out, arch=arch, progress=False, critical=False)
            took = time.perf_counter() - start
            classifier = Classifier.from_dir(out)
            result = evaluate(classifier, dev)
            speed = pipe_speed(out, [p.text for p in train_posts])
            size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
        intent = result["intent"]
        rows.append(f"| {arch} | {intent['all']['macro_f1']:.3f} | {intent['en']['macro_f1']:.3f} | "
                    f"{intent['nl']['macro_f1']:.3f} | {intent['all']['accuracy']:.3f} | {took:.0f} s | "
                    f"{speed:,.0f} | {size:.1f} MB |")
        print(rows[-1], flush=True)
    return rows


def pipe_speed(model: Path, texts: list[str]) -> float:
    from intents.pipeline import load_model

    nlp = load_model(model)
    list(nlp.pipe(texts[:200]))  # warm up
    start = time.perf_counter()
    n = 0
    for _ in range(2):
        n += sum(1 for _ in nlp.pipe(texts, batch_size=256))
    return n / (time.perf_counter() - start)


def test_rows() -> tuple[list[str], list[str]]:
    """The side-by-side table on the whole test split, and the same three per batch of the data."""
    train = read_labelled(DATA_DIR / "train.jsonl")
    dev = read_labelled(DATA_DIR / "dev.jsonl")
    test = read_labelled(DATA_DIR / "test.jsonl")
    contenders = [
        ("keyword rules (`intents/baseline.py`)", Classifier.keyword_baseline()),
        ("TF-IDF + logistic regression", tfidf_classifier(train, dev)),
        ("**Siloless** (shipped model)", Classifier.from_dir(DEFAULT_MODEL_DIR)),
    ]
    rows = ["| classifier | intent macro-F1 | en | nl | intent accuracy | urgency accuracy | critical recall "
            "| high+critical recall |", "|---|---|---|---|---|---|---|---|"]
    batches = sorted({batch_of(p) for p in test})
    by_batch = ["| classifier | " + " | ".join(f"batch {b} ({sum(batch_of(p) == b for p in test)}) en / nl / all"
                                                for b in batches) + " |", "|---|" + "---|" * len(batches)]
    for name, classifier in contenders:
        r = evaluate(classifier, test)
        i, u = r["intent"], r["urgency"]["all"]
        rows.append(f"| {name} | {i['all']['macro_f1']:.3f} | {i['en']['macro_f1']:.3f} | {i['nl']['macro_f1']:.3f} "
                    f"| {i['all']['accuracy']:.3f} | {u['accuracy']:.3f} | {u['recall']['critical']:.3f} "
                    f"| {u['high_or_critical_recall']:.3f} |")
        print(rows[-1], "·", classifier.name, flush=True)
        cells = []
        for b in batches:
            part = evaluate(classifier, [p for p in test if batch_of(p) == b])["intent"]
            cells.append(" / ".join(f"{part[g]['macro_f1']:.3f}" for g in ("en", "nl", "all")))
        by_batch.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows, by_batch


def batch_of(post: LabelledPost) -> int:
    """Which labelled batch a post came from, by its id ("en-…" batch 1, "nl2-…" batch 2, "en3-…" batch 3, …)."""
    prefix = post.id.split("-", 1)[0]
    return int(prefix[2:]) if prefix[2:].isdigit() else 1


def replace_block(doc: Path, name: str, lines: list[str]) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` in ``doc``."""
    text = doc.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"{doc} has no <!-- {name}:start --> / <!-- {name}:end --> markers; add them first")
    doc.write_text(pattern.sub(lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2), text), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="only the architecture comparison on dev")
    parser.add_argument("--test", action="store_true", help="only the baselines comparison on test")
    args = parser.parse_args()
    both = not (args.dev or args.test)
    if args.dev or both:
        replace_block(DOC, "compare-dev", architecture_rows())
    if args.test or both:
        overall, by_batch = test_rows()
        replace_block(DOC, "compare-test", overall)
        replace_block(DOC, "compare-test-batches", by_batch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
