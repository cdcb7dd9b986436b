"""Training progress for people: a rich progress bar and one line per dev-set evaluation.

spaCy calls a logger's ``log_step`` after every optimisation step (``info`` is None between
evaluations) and ``finalize`` once at the end. This one writes to stderr so ``--json`` output on
stdout stays clean, and is silent when ``progress`` is false (tests, library use).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

LogStep = Callable[[dict[str, Any] | None], None]
Finalize = Callable[[], None]


def make_rich_logger(progress: bool = True) -> Callable[..., tuple[LogStep, Finalize]]:
    def setup(nlp: Any, stdout: IO[str] = sys.stdout, stderr: IO[str] = sys.stderr) -> tuple[LogStep, Finalize]:
        console = Console(file=stderr, quiet=not progress)
        max_steps = int(nlp.config["training"]["max_steps"]) or None
        labels = nlp.get_pipe("textcat").labels if "textcat" in nlp.pipe_names else ()
        what = "critical detector" if "critical" in labels else "intents"  # siloless train runs both
        bar = Progress(
            TextColumn(f"[bold]training {what}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
        )
        task = bar.add_task("train", total=max_steps, status="")
        best = 0.0
        bar.start()

        def log_step(info: dict[str, Any] | None) -> None:
            nonlocal best
            bar.advance(task)
            if info is None:
                return
            score = float(info.get("score") or 0.0)
            best = max(best, score)
            loss = sum(float(v) for v in (info.get("losses") or {}).values())
            step, epoch = info.get("step", 0), info.get("epoch", 0)
            line = f"step {step:>5}  epoch {epoch:>3}  loss {loss:9.3f}  dev macro-F1 {score:.3f}"
            bar.console.print(line + ("  [green]best[/green]" if score >= best else ""))
            bar.update(task, status=f"best dev macro-F1 {best:.3f}")

        def finalize() -> None:
            bar.stop()

        return log_step, finalize

    return setup
