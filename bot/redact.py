"""Secrets never reach the logs: every log record is scrubbed of configured secrets and token shapes.

Installed as a log-record factory, so it covers every logger, including the SDKs' (slack_sdk logs
request headers at DEBUG), and exception text, which may quote a URL with a token in it.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from bot.config import Config

_TOKEN_SHAPES = re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,})")
_secrets: set[str] = set()
_installed = False


def secrets_of(config: Config) -> set[str]:
    values = {config.slack.bot_token, config.slack.signing_secret, config.slack.app_token, config.teams.app_password}
    for source in config.sources:
        for key, value in source.settings.items():
            if isinstance(value, str) and any(word in key for word in ("secret", "token", "password", "key")):
                values.add(value)
    return {v for v in values if v and len(v) >= 6}


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return _TOKEN_SHAPES.sub("[redacted]", text)


def install_redaction(config: Config) -> None:
    global _installed
    _secrets.update(secrets_of(config))
    if _installed:
        return
    original = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
