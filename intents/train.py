"""Rebuild the intent model from labelled data, reproducibly (fixed seed), in named steps.

``train_model`` is what ``siloless train`` runs:

1. **data**: the train split, plus any extra labelled examples (people's corrections, see
   ``intents.feedback``), written to one JSONL file the config's corpus reader reads;
2. **initialise**: ``intents/config.cfg`` (optionally one architecture block swapped in from
   ``config.<arch>.cfg``) → a blank multilingual pipeline with the 12 labels;
3. **train**: spaCy's own training loop, model selected by dev-set macro-F1; then the same for the
   learned critical detector (``config.critical.cfg``: same architecture, the posts' four urgency
   levels as labels), whose probability of critical ``intents.urgency`` uses as a never-miss safety net;
4. **ship**: the best checkpoints are written to the output directory (the detector in its
   ``critical/`` folder), replacing what was there only once both trainings succeeded (a crash never
   leaves a half-written model behind).

The dev split selects the checkpoint; the test split is never read here.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as spacy_train_loop
from spacy.util import load_config
from thinc.api import Config

import intents.pipeline  # noqa: F401  (registers the config's reader, logger and architecture)
from intents.dataset import DATA_DIR, LabelledPost, read_labelled, write_jsonl
from intents.paths import (
    ARCH_NAMES,
    ARCHITECTURES,
    BASE_CONFIG,
    CRITICAL_CONFIG,
    CRITICAL_SUBDIR,
    DEFAULT_MODEL_DIR,
    PACKAGE_DIR,
)

MODEL_NAME = "siloless_intents"


@dataclass(frozen=True)
class TrainResult:
    output: Path
    dev_macro_f1: float
    train_examples: int
    extra_examples: int
    seed: int
    arch: str
    critical_dev_macro_f1: float | None = None


def arch_config_path(arch: str) -> Path:
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}: choose one of {', '.join(ARCHITECTURES)}")
    return PACKAGE_DIR / f"config.{arch}.cfg"


def training_config(
    train_path: Path,
    dev_path: Path,
    *,
    arch: str | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    progress: bool = True,
    base: Path = BASE_CONFIG,
    critical: bool = False,
) -> Config:
    """The spaCy config for one run: ``base`` with the data paths, seed and schedule filled in.

    ``critical`` trains the critical detector instead of the intent model (``config.critical.cfg``
    merged last, so it keeps the chosen architecture and only changes the labels and the target).
    """
    config = load_config(base, interpolate=False)
    if arch is not None:
        config = config.merge(Config().from_disk(arch_config_path(arch), interpolate=False))
    if critical:
        config = config.merge(Config().from_disk(CRITICAL_CONFIG, interpolate=False))
    config["paths"]["train"] = str(train_path)
    config["paths"]["dev"] = str(dev_path)
    config["system"]["seed"] = seed
    config["training"]["logger"]["progress"] = progress
    if max_steps is not None:
        config["training"]["max_steps"] = max_steps
        config["training"]["eval_frequency"] = max(1, min(config["training"]["eval_frequency"], max_steps // 4))
    return config


def train_model(
    *,
    data_dir: Path = DATA_DIR,
    output: Path = DEFAULT_MODEL_DIR,
    extra: Sequence[LabelledPost] = (),
    arch: str | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    progress: bool = True,
    train_path: Path | None = None,
    dev_path: Path | None = None,
    critical: bool = True,
) -> TrainResult:
    """Train on ``data_dir``'s train split (+ ``extra``), pick the best dev checkpoint, write it to ``output``.

    With ``critical`` (the default) the critical detector is trained too and shipped in ``output/critical``.
    """
    train_path = train_path or data_dir / "train.jsonl"
    dev_path = dev_path or data_dir / "dev.jsonl"
    train_posts = read_labelled(train_path)  # fail early, with the file's own error message
    read_labelled(dev_path)
    with tempfile.TemporaryDirectory(prefix="siloless-train-") as tmp:
        work = Path(tmp)
        merged = work / "train.jsonl"
        write_jsonl([*train_posts, *extra], merged)  # step 1: data
        config = training_config(merged, dev_path, arch=arch, seed=seed, max_steps=max_steps, progress=progress)
        best_nlp, score = _train_best(config, work / "run")  # steps 2 and 3: initialise, train
        detector, critical_score = None, None
        if critical:
            critical_config = training_config(merged, dev_path, arch=arch, seed=seed, max_steps=max_steps,
                                              progress=progress, critical=True)
            detector, critical_score = _train_best(critical_config, work / "run-critical")
        _ship(best_nlp, output, detector, seed=seed, n_train=len(train_posts), n_extra=len(extra))  # step 4
    used_arch = arch or _arch_name(config)
    return TrainResult(output=output, dev_macro_f1=score, train_examples=len(train_posts),
                       extra_examples=len(extra), seed=seed, arch=used_arch, critical_dev_macro_f1=critical_score)


def _train_best(config: Config, run_dir: Path) -> tuple[Any, float]:
    """Initialise from ``config``, run spaCy's training loop, return the best dev checkpoint and its score."""
    nlp = init_nlp(config)
    run_dir.mkdir()
    spacy_train_loop(nlp, run_dir, stdout=io.StringIO(), stderr=sys.stderr)
    best = spacy.load(run_dir / "model-best")  # the loop returns model-last; we ship the best
    return best, float(best.meta.get("performance", {}).get("cats_score", 0.0))


def _ship(nlp: Any, output: Path, detector: Any = None, *, seed: int, n_train: int, n_extra: int) -> None:
    """Write the model (and the critical detector) next to ``output`` first, then swap it in, so a failure
    keeps the old one."""
    from intents import __version__

    nlp.meta["name"] = MODEL_NAME
    nlp.meta["version"] = __version__
    nlp.meta["description"] = "Siloless intent classifier (English + Dutch), trained by `siloless train`"
    nlp.meta["license"] = "Apache-2.0"
    nlp.meta["siloless"] = {"seed": seed, "train_examples": n_train, "feedback_examples": n_extra}
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(output.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    nlp.to_disk(staging)
    if detector is not None:
        detector.meta["name"] = MODEL_NAME + "_critical"
        detector.meta["version"] = __version__
        detector.meta["description"] = "Siloless learned critical detector (critical or not), by `siloless train`"
        detector.meta["license"] = "Apache-2.0"
        detector.to_disk(staging / CRITICAL_SUBDIR)
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)


def _arch_name(config: Config) -> str:
    arch = str(config["components"]["textcat"]["model"]["@architectures"])
    return ARCH_NAMES.get(arch, arch)
