"""Validation notes: where a validated value differs from the JSON text it came from.

A receiver that wants to keep the text of a body as written (the manager queues the events array
of a batch request unchanged) passes a fresh ``ValidationNotes`` as the pydantic validation
``context``. Validators of values that the protocol normalises (an integer ``size``, a timestamp
not in the written form of §1.3, an empty ``attributes``, a lax boolean) mark it, so the receiver
knows that the text is not the validated value and must be written anew. Without such a context
the validators behave exactly as before.
"""

from __future__ import annotations

from pydantic import ValidationInfo


class ValidationNotes:
    """Mutable validation context; ``rewritten`` is set when a value differs from its text."""

    __slots__ = ("rewritten",)

    def __init__(self) -> None:
        self.rewritten = False


def note_rewritten(info: ValidationInfo) -> None:
    notes = info.context
    if type(notes) is ValidationNotes:
        notes.rewritten = True
