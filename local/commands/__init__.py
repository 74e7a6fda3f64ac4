"""The subcommands of `python -m local`; each module adds its parser and runs it."""


class CommandError(Exception):
    """A command cannot do what was asked; printed as one line, exit code `exit_code`."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
