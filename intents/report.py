"""``siloless eval`` and ``siloless train`` output for people: rich tables over an evaluation dict.

The numbers come from ``intents.evaluate``; this module only lays them out, so the JSON output
(``--json``) and the tables always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from intents.labels import INTENTS, URGENCIES

# Column headers of the confusion matrices: five letters keep 12 columns within 120 characters.
_SHORT = {"feature_request": "feat", "complaint": "compl", "question": "quest", "security": "secur",
          "billing": "bill", "careers": "care", "outage": "outag", "praise": "prais", "other": "other",
          "legal": "legal", "press": "press", "sales": "sales", "critical": "crit"}

_AXES = "rows = gold, columns = predicted"


def render_evaluation(result: Mapping[str, Any], console: Console) -> None:
    source = result["data"] or "(given posts)"
    console.print(f"[bold]{result['n']} posts[/bold] from {source} · model {result['model']}")
    console.print(summary_table(result))
    console.print(per_label_table(result))
    console.print(confusion_table(result["intent"]["all"]["confusion"], f"Intent confusion ({_AXES})"))
    console.print(urgency_table(result))
    console.print(confusion_table(result["urgency"]["all"]["confusion"], f"Urgency confusion ({_AXES})"))
    lang = result["language"]
    console.print(f"Language: detected language equals the post's own tag for {lang['detected_equals_tag']:.1%} "
                  f"of {lang['n']} tagged posts.")


def summary_table(result: Mapping[str, Any], title: str = "Intent") -> Table:
    table = Table(title=title)
    for column in ("group", "posts", "accuracy", "macro-F1"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for group, report in result["intent"].items():
        table.add_row(group, str(report["n"]), f"{report['accuracy']:.3f}", f"{report['macro_f1']:.3f}")
    return table


def per_label_table(result: Mapping[str, Any]) -> Table:
    groups = [g for g in result["intent"] if g != "all"]
    table = Table(title="Intent per label (all languages; F1 per language)")
    table.add_column("label")
    for column in ("support", "precision", "recall", "F1", *(f"F1 {g}" for g in groups)):
        table.add_column(column, justify="right")
    for label in INTENTS:
        row = result["intent"]["all"]["labels"][label]
        per_lang = [f"{result['intent'][g]['labels'][label]['f1']:.3f}" for g in groups]
        table.add_row(label, str(row["support"]), f"{row['precision']:.3f}", f"{row['recall']:.3f}",
                      f"{row['f1']:.3f}", *per_lang)
    return table


def urgency_table(result: Mapping[str, Any]) -> Table:
    table = Table(title="Urgency (recall per level; high+critical together)")
    for column in ("group", "posts", "accuracy", *(f"recall {u}" for u in URGENCIES), "recall high+crit", "too low"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for group, report in result["urgency"].items():
        table.add_row(group, str(report["n"]), f"{report['accuracy']:.3f}",
                      *(f"{report['recall'][u]:.3f}" for u in URGENCIES),
                      f"{report['high_or_critical_recall']:.3f}", str(report["under_called"]))
    return table


def confusion_table(confusion: Mapping[str, Any], title: str) -> Table:
    labels = confusion["labels"]
    table = Table(title=title)
    table.add_column("gold \\ pred")
    for label in labels:
        table.add_column(_SHORT.get(label, label), justify="right")
    for label, row in zip(labels, confusion["matrix"], strict=True):
        i = labels.index(label)
        cells = [f"[bold green]{n}[/]" if i == j and n else (str(n) if n else "·") for j, n in enumerate(row)]
        table.add_row(label, *cells)
    return table


def comparison_table(before: Mapping[str, Any], after: Mapping[str, Any], title: str) -> Table:
    """Dev-set intent and urgency numbers side by side (``siloless train --with-feedback``)."""
    table = Table(title=title)
    for column in ("group", "macro-F1 before", "macro-F1 after", "urgency acc. before", "urgency acc. after"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for group in after["intent"]:
        b_i, a_i = before["intent"].get(group), after["intent"][group]
        b_u, a_u = before["urgency"].get(group), after["urgency"][group]
        table.add_row(group, f"{b_i['macro_f1']:.3f}" if b_i else "-", f"{a_i['macro_f1']:.3f}",
                      f"{b_u['accuracy']:.3f}" if b_u else "-", f"{a_u['accuracy']:.3f}")
    return table
