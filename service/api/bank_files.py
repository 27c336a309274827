"""A bank file a person uploads on the connect page, read as the body the door takes.

``body_of_file`` turns the file's bytes into the very ``BankDataIn`` that
``POST /v1/subjects/<id>/bank-data`` validates, so an upload is checked by the same typed
models and adapters as the API's payloads. The shape is the one the person names, or told
by the content (``detect_shape``). A file that cannot be read is an ``UnreadableFile``
whose message is plain words and never quotes the file.
"""

from __future__ import annotations

import json
from typing import Any, Final

from pydantic import ValidationError

from scoring.ingest.banks import Shape

from .schemas.bank_data import BankDataIn

#: How the person names each shape, on the page and in its errors.
SHAPE_WORDS: Final = {
    Shape.FDX: "FDX",
    Shape.OPEN_BANKING: "UK Open Banking",
    Shape.OFX: "OFX",
}
_KEYS: Final = {Shape.FDX: "fdx", Shape.OPEN_BANKING: "openBanking", Shape.OFX: "ofx"}


class UnreadableFile(Exception):
    """A bank file that cannot be read; the message is plain words, never a value of it."""


def detect_shape(text: str) -> Shape:
    """Tell the shape of a bank file by its content.

    JSON with ``accounts`` and ``transactions`` lists is FDX; JSON whose ``transactions``
    or ``balances`` is an object holding ``Data`` is Open Banking; anything else is OFX.

    >>> detect_shape('{"accounts": [], "transactions": []}').value
    'fdx'
    >>> detect_shape('{"transactions": {"Data": {}}}').value, detect_shape("OFXHEADER:100").value
    ('open_banking', 'ofx')

    Raises:
        UnreadableFile: JSON of neither JSON shape.
    """
    return _shape_of(_json_or_none(text))


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested past the decoder's stack
        return None


def _shape_of(data: Any) -> Shape:
    if data is None:
        return Shape.OFX
    if isinstance(data, dict):
        if all(isinstance(data.get(k), list) for k in ("accounts", "transactions")):
            return Shape.FDX
        if any(
            isinstance(data.get(k), dict) and "Data" in data[k]
            for k in ("transactions", "balances")
        ):
            return Shape.OPEN_BANKING
    raise UnreadableFile("The file is JSON, but neither FDX nor UK Open Banking.")


def body_of_file(raw: bytes, shape: Shape | None) -> tuple[Shape, BankDataIn]:
    """Read an uploaded bank file as the request body the door takes.

    ``shape`` None: tell it by content (``detect_shape``).

    Raises:
        UnreadableFile: not text, not the shape named, or not valid in it.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # OFX 1.x files are often CP 1252
    if not text.strip():
        raise UnreadableFile("The file is empty.")
    data = _json_or_none(text)
    shape = shape or _shape_of(data)
    words = SHAPE_WORDS[shape]
    if shape is not Shape.OFX and data is None:
        raise UnreadableFile(f"The file is not {words}: it is not JSON.")
    payload = text if shape is Shape.OFX else data
    try:
        return shape, BankDataIn.model_validate({_KEYS[shape]: payload})
    except ValidationError as error:
        raise UnreadableFile(
            f"The file is not a valid {words} file: {error.error_count()} of its fields are "
            "missing or of the wrong type."
        ) from None
