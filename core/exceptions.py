class DomainError(Exception):
    """A business rule refused an action. The message is user-facing (Chinese, translatable) and
    views show it as a form or page error (on ``field`` when given); nothing is lost of what the
    user typed."""

    def __init__(self, message, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
