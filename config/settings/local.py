"""Local development and the README's run command: debug on, embedded defaults."""

from .base import *  # noqa: F403
from .base import env, env_bool, env_int

DEBUG = env_bool("DEBUG", True)

# `make run` (scripts/run.sh) starts a local SMTP sink (aiosmtpd) on this port that keeps every
# message under var/mail/ (a Maildir): mail is really sent and can be read (and seen in 发件箱).
EMAIL_HOST = env("EMAIL_HOST") or "127.0.0.1"
EMAIL_PORT = env_int("EMAIL_PORT", 8025)
