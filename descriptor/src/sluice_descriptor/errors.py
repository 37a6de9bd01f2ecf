"""The exception root of sluice_descriptor and the errors every module shares."""

from __future__ import annotations


class DescriptorError(Exception):
    """Root of every error this package raises."""


class TemplateError(DescriptorError):
    """A template that cannot be parsed or evaluated; ``offset`` indexes the fault in ``text``."""

    def __init__(self, message: str, offset: int | None = None, text: str | None = None) -> None:
        self.message = message
        self.offset = offset
        self.text = text
        where = f" at character {offset + 1}" if offset is not None else ""
        super().__init__(f"{message}{where}")


class MissingVariable(TemplateError):
    """A strict render met a path the context lacks."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"no value for {{{path}}}")


class FunctionFailed(TemplateError):
    """A template function refused its arguments (e.g. ``date`` of text that is no date)."""

    def __init__(self, function: str, message: str) -> None:
        self.function = function
        super().__init__(f"{function}(): {message}")
