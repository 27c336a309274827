r"""Canonical JSON: the one byte encoding of a document that Fairfile signs and hashes.

The encoding is ``json.dumps(doc, sort_keys=True, separators=(",", ":"),
ensure_ascii=False).encode("utf-8")`` over a deliberately small subset of JSON: strings,
integers, booleans, null, arrays and objects. Within that subset it is byte for byte the
JSON Canonicalization Scheme (RFC 8785, "JCS"), so a verifier in another language can use
any JCS library, and a Python verifier needs nothing but the standard library:

- no floats (JCS's number formatting is the only hard part of JCS; we avoid it), and
  integers stay within +/-(2**53 - 1), where JCS prints every integer as plain digits;
- object keys hold no character outside the Basic Multilingual Plane, so Python's
  code-point key order is JCS's UTF-16 code-unit order;
- strings are valid Unicode (no lone surrogates), escaped exactly as JCS escapes them
  (``\"``, ``\\``, ``\b \f \n \r \t`` and ``\u00xx`` in lower case for other
  control characters; everything else as UTF-8).

Values outside the subset raise ``NotCanonical`` rather than being coerced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, cast

from .errors import NotCanonical

#: The largest integer magnitude that every JSON parser (and JCS) reads back exactly.
MAX_SAFE_INTEGER: Final = 2**53 - 1
#: How deeply arrays and objects may nest; our documents need fewer than ten levels.
MAX_DEPTH: Final = 64


def canonical_json(value: object) -> bytes:
    r"""Return the canonical UTF-8 JSON encoding of ``value``.

    Args:
        value: A JSON value built from ``str``, ``int``, ``bool``, ``None``, lists (or
            tuples) and mappings with ``str`` keys. Enum members that subclass ``str`` or
            ``int`` are encoded as their values.

    Returns:
        The encoding described in the module docstring (RFC 8785 for this subset).

    Raises:
        NotCanonical: ``value`` holds a float, an integer beyond +/-(2**53 - 1), a
            non-string or non-BMP object key, a lone surrogate, another type, or nests
            deeper than ``MAX_DEPTH``.

    >>> canonical_json({"b": [1, True, None], "a": "x\n"})
    b'{"a":"x\\n","b":[1,true,null]}'
    >>> canonical_json({"rate": 0.5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    store.errors.NotCanonical: /rate: a float is not signed ...
    """
    return _encode(plain_json(value))


def plain_json(value: object) -> Any:
    """Return a copy of ``value`` made of plain ``dict``, ``list``, ``str``, ``int``, ``bool``.

    Key order is kept. The copy holds exactly what ``canonical_json`` encodes.

    Raises:
        NotCanonical: as for ``canonical_json``.
    """
    try:
        return _checked(value, 0)
    except (_Refused, NotCanonical):
        # Walk again, slowly, to say exactly where and why.
        return _plain(value, "", 0)


def plain_and_canonical(value: object) -> tuple[Any, bytes]:
    """Return ``(plain_json(value), canonical_json(value))`` from one walk of ``value``.

    Raises:
        NotCanonical: as for ``canonical_json``.
    """
    plain = plain_json(value)
    return plain, _encode(plain)


class _Refused(Exception):
    pass


def _checked(value: object, depth: int) -> Any:
    # The fast path of ``_plain``: the same rules, without building JSON pointers. Exact
    # built-in types are dispatched first (nearly every value of a signed document is
    # one); subclasses (str and int enums, other mappings, tuples) take the general path.
    if depth > MAX_DEPTH:
        raise _Refused
    kind = type(value)
    if kind is str:
        text = cast(str, value)
        return text if text.isascii() else _text(text, "")
    if kind is dict:
        items = cast(dict[object, object], value)
        return {_key(key): _checked(item, depth + 1) for key, item in items.items()}
    if kind is int:
        if not -MAX_SAFE_INTEGER <= cast(int, value) <= MAX_SAFE_INTEGER:
            raise _Refused
        return value
    if value is None or kind is bool:
        return value
    if kind is list:
        return [_checked(item, depth + 1) for item in cast(list[object], value)]
    return _checked_subclass(value, depth)


def _checked_subclass(value: object, depth: int) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise _Refused
        return int(value)
    if isinstance(value, str):
        return value if type(value) is str and value.isascii() else _text(value, "")
    if isinstance(value, Mapping):
        return {_key(key): _checked(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_checked(item, depth + 1) for item in value]
    raise _Refused


def _key(key: object) -> str:
    if type(key) is str and key.isascii():
        return key
    if not isinstance(key, str):
        raise _Refused
    name = _text(key, "")
    if any(ord(char) > 0xFFFF for char in name):
        raise _Refused
    return name


def _encode(plain: Any) -> bytes:
    text = json.dumps(
        plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _plain(value: object, pointer: str, depth: int) -> Any:
    where = pointer or "/"
    if depth > MAX_DEPTH:
        raise NotCanonical(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonical(
                f"{where}: the integer {value} is beyond +/-(2**53 - 1); send it as a string"
            )
        return int(value)
    if isinstance(value, float):
        raise NotCanonical(
            f"{where}: a float is not signed (its JSON spelling is not canonical); "
            "use an integer in a stated unit, or a string"
        )
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, Mapping):
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{where}: the object key {key!r} is not a string")
            name = _text(key, where)
            if any(ord(char) > 0xFFFF for char in name):
                raise NotCanonical(
                    f"{where}: the object key {name!r} has a character outside the Basic "
                    "Multilingual Plane, where Python's key order and RFC 8785's differ"
                )
            escaped = name.replace("~", "~0").replace("/", "~1")
            copy[name] = _plain(item, f"{pointer}/{escaped}", depth + 1)
        return copy
    if isinstance(value, list | tuple):
        return [_plain(item, f"{pointer}/{index}", depth + 1) for index, item in enumerate(value)]
    raise NotCanonical(
        f"{where}: a {type(value).__name__} is not a JSON value "
        "(str, int, bool, None, list or dict)"
    )


def _text(value: str, where: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical(f"{where}: the string holds a lone surrogate") from None
    # ``str.__str__`` turns a ``str`` subclass (a ``StrEnum`` member) into its plain value.
    return str.__str__(value)
