"""``siloless train`` and ``siloless eval``: the classifier's two subcommands (CLI glue only).

``bot/cli.py`` owns the parser and calls ``register(subparsers)``. Everything here translates
arguments into calls on ``intents`` and errors into messages that say what to do next; the work
itself (training, scoring, rendering) lives in ``intents``. This is the one place that connects
the classifier to the core's config and store, for ``train --with-feedback``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from intents.train import TrainResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add ``train`` and ``eval`` to the ``siloless`` argument parser."""
    _register_train(subparsers)
    _register_eval(subparsers)


def _register_train(subparsers: Any) -> None:
    from intents.dataset import DATA_DIR
    from intents.paths import ARCHITECTURES, DEFAULT_MODEL_DIR

    parser = subparsers.add_parser(
        "train",
        help="rebuild the intent model from the labelled data (reproducible: fixed seed)",
        description="Train the spaCy intent classifier on intents/data/train.jsonl, pick the best checkpoint "
        "by dev-set macro-F1, and write it to --output (default: the model shipped with the package). "
        "With --with-feedback, people's reassignments and dismissals from the store are added to "
        "training, and dev-set results before and after are shown.",
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder with train.jsonl and dev.jsonl")
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_DIR,
                        help="where to write the model (point SILOLESS_INTENTS_MODEL at it if not the default)")
    parser.add_argument("--arch", choices=ARCHITECTURES, default=None,
                        help="swap in another textcat architecture (default: the one in intents/config.cfg)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed + data = same model)")
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (default: config)")
    parser.add_argument("--with-feedback", action="store_true",
                        help="add people's corrections from the store (needs --config)")
    parser.add_argument("--config", type=Path, default=None, help="siloless config file (for the store's path)")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.set_defaults(func=run_train)


def _register_eval(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score the classifier on a labelled JSONL file",
        description="Classify every post in --data (Mention JSONL with 'intent' and 'urgency') and report "
        "accuracy, macro-F1, per-label precision/recall/F1 and a confusion matrix for intent, and accuracy "
        "and per-level recall for urgency, overall and per language.",
    )
    parser.add_argument("--data", type=Path, required=True, help="labelled JSONL, e.g. intents/data/test.jsonl")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--model", type=Path, default=None, help="a trained model folder (default: the active one)")
    which.add_argument("--keyword-baseline", action="store_true", help="score the keyword-rule baseline instead")
    parser.add_argument("--misses", type=int, default=0, metavar="N", help="also list up to N misclassified posts")
    parser.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from intents.dataset import DataError, read_labelled
    from intents.evaluate import evaluate, mistakes
    from intents.report import render_evaluation

    err = Console(stderr=True)
    try:
        posts = read_labelled(args.data)
        classifier = _classifier(args.model, args.keyword_baseline)
    except (DataError, FileNotFoundError) as exc:
        _error(err, str(exc))
        return EXIT_FAILED
    if not posts:
        _error(err, f"{args.data} has no posts; give a JSONL file with one labelled mention a line")
        return EXIT_FAILED
    result = evaluate(classifier, posts, data=str(args.data))
    if args.misses:
        result["misses"] = mistakes(classifier, posts)[: args.misses]
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return EXIT_OK
    console = _wide_console()
    render_evaluation(result, console)
    for miss in result.get("misses", []):
        console.print(f"[dim]{miss['id']}[/dim] {miss['intent']}→{miss['predicted_intent']} "
                      f"{miss['urgency']}→{miss['predicted_urgency']}: {miss['text']}", markup=False)
    return EXIT_OK


def run_train(args: argparse.Namespace) -> int:
    from intents.dataset import DataError

    err = Console(stderr=True)
    try:
        if args.with_feedback:
            return _train_with_feedback(args, err)
        return _train_plain(args, err)
    except (DataError, FileNotFoundError, FeedbackUnavailable) as exc:
        _error(err, str(exc))
        return EXIT_FAILED
    except PermissionError as exc:
        _error(err, f"cannot write the model ({exc}); pass --output to a writable folder "
               "and set SILOLESS_INTENTS_MODEL to it")
        return EXIT_FAILED


def _train_plain(args: argparse.Namespace, err: Console) -> int:
    from intents.train import train_model

    if args.config is not None:
        err.print("[yellow]note:[/yellow] --config is only used with --with-feedback; training on labelled data only")
    result = train_model(data_dir=args.data_dir, output=args.output, arch=args.arch, seed=args.seed,
                         max_steps=args.max_steps, progress=not args.quiet)
    _after_training(args, result)
    return EXIT_OK


def _train_with_feedback(args: argparse.Namespace, err: Console) -> int:
    from intents.dataset import read_labelled
    from intents.evaluate import evaluate
    from intents.feedback import examples_from_feedback
    from intents.paths import model_dir
    from intents.report import comparison_table
    from intents.train import train_model

    rows = load_feedback_rows(args.config)
    dev = read_labelled(args.data_dir / "dev.jsonl")
    test_path = args.data_dir / "test.jsonl"
    held_out = [*dev, *(read_labelled(test_path) if test_path.is_file() else [])]
    feedback = examples_from_feedback(rows, held_out=held_out)
    for line in feedback.skipped:
        err.print(Text.assemble(("skipped feedback ", "yellow"), line), soft_wrap=True)
    console = Console()
    console.print(f"{feedback.unique} corrections from the store ({len(rows)} rows) added to training.")
    before = evaluate(_classifier(model_dir(), False), dev, data="dev")
    result = train_model(data_dir=args.data_dir, output=args.output, extra=feedback.examples, arch=args.arch,
                         seed=args.seed, max_steps=args.max_steps, progress=not args.quiet)
    after = evaluate(_classifier(result.output, False), dev, data="dev")
    console.print(comparison_table(before, after, f"Dev set before ({before['model']}) and after retraining"))
    _after_training(args, result, show_eval=False)
    return EXIT_OK


class FeedbackUnavailable(RuntimeError):
    """The store's feedback cannot be read; the message says what to fix."""


def load_feedback_rows(config_path: Path | None) -> list[dict[str, Any]]:
    """People's corrections from the store named in the siloless config."""
    if config_path is None:
        raise FeedbackUnavailable("--with-feedback needs --config FILE (the config `siloless run` uses) "
                                  "to find the store with people's corrections")
    if not config_path.is_file():
        raise FeedbackUnavailable(f"config file {config_path} not found; pass the path of your siloless config "
                                  "(see config.example.toml)")
    try:
        from bot.config import load_config
        from bot.store import Store
    except ImportError as exc:
        raise FeedbackUnavailable(f"this installation has no store support yet ({exc}); "
                                  "update siloless, or train without --with-feedback") from exc
    try:
        config = load_config(config_path)
    except ValueError as exc:  # bot.config.ConfigError names the key and the fix
        raise FeedbackUnavailable(str(exc)) from exc
    store = Store.open(config.store.path)
    try:
        return [dict(row) for row in store.feedback_examples()]
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()


def _after_training(args: argparse.Namespace, result: TrainResult, show_eval: bool = True) -> None:
    import intents
    from intents.paths import DEFAULT_MODEL_DIR

    intents.reset()  # a model trained in this process replaces the one loaded before
    output = result.output
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
    console = Console()
    console.print(f"[green]model written[/green] to {output} ({size / 1e6:.1f} MB, {result.arch}); "
                  f"best dev macro-F1 {result.dev_macro_f1:.3f} (seed {args.seed})", soft_wrap=True)
    if result.critical_dev_macro_f1 is not None:
        console.print(f"critical detector in {output / 'critical'}: best dev macro-F1 "
                      f"{result.critical_dev_macro_f1:.3f} (over the four urgency levels; urgency uses "
                      "its chance of critical)", soft_wrap=True, markup=False)
    if output.resolve() != DEFAULT_MODEL_DIR.resolve():
        console.print(f"To use it: export SILOLESS_INTENTS_MODEL={output}", soft_wrap=True, markup=False)
    if show_eval:
        console.print(f"Check it: siloless eval --data {args.data_dir / 'dev.jsonl'} --model {output}",
                      soft_wrap=True, markup=False)


def _error(err: Console, message: str) -> None:
    """One unwrapped line (paths stay copyable), never parsed as rich markup."""
    err.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)


def _wide_console() -> Console:
    """Tables need ~120 columns; a pipe or file gets that instead of rich's 80-column default."""
    console = Console()
    return console if console.is_terminal else Console(width=140)


def _classifier(model: Path | None, keyword: bool) -> Any:
    from intents import default_classifier
    from intents.classifier import Classifier

    if keyword:
        return Classifier.keyword_baseline()
    if model is not None:
        return Classifier.from_dir(model)
    return default_classifier()


def main(argv: list[str] | None = None) -> int:
    """Run the two subcommands alone (``python -m bot.cli_intents``), e.g. before ``bot/cli.py`` exists."""
    parser = argparse.ArgumentParser(prog="siloless")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
