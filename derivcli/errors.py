"""Errors for people: every failure a user can cause is a ``DerivError``.

Core code raises these with a message that names the problem and the fix;
only ``cli.py`` turns them into exit codes (``exit_code`` below).
"""


class DerivError(Exception):
    """Base class of every error derivcli reports to a user."""

    exit_code = 2

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        #: extra lines shown under the message (a caret, a hint)
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ParseError(DerivError):
    """The expression (or a value in ``--at``) does not follow the grammar."""

    exit_code = 2


class UnknownFunction(ParseError):
    """A call names a function that is not in the primitive table."""


class UsageError(DerivError):
    """Options that do not fit together, a malformed ``--at``, a bad name."""

    exit_code = 2


class MissingValue(UsageError):
    """A variable of the expression has no value at the point."""


class DomainError(DerivError):
    """The mathematics fails at the point: ``log(-1)``, ``1/0``, ``asin(2)``."""

    exit_code = 1


class ModeUnavailable(DerivError):
    """A mode cannot run here (for instance TensorFlow is not installed)."""

    exit_code = 1
