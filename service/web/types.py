"""The types every surface shares: strict request models, ids, times, the page id converter.

The JSON API validates its path ids with pydantic (``SubjectId``); the web UI's pages take
theirs through ``IdConverter``; both accept one alphabet, so a NUL byte or an overlong id
is refused before any query.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.routing import BaseConverter


class Strict(BaseModel):
    """A request model that refuses unknown fields (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


#: Every id in a path: a UUID's alphabet, at most 36 characters.
ID_PATTERN = r"^[0-9a-f-]{1,36}$"
SubjectId = Annotated[str, Field(min_length=1, max_length=36, pattern=ID_PATTERN)]
#: A time in an answer.
Time = Annotated[str, Field(description="an ISO 8601 time")]


class IdConverter(BaseConverter):
    """``<id:name>`` in a page's URL: the same alphabet, so an odd id is a 404 before any query."""

    regex = r"[0-9a-f-]{1,36}"


class SubjectPath(Strict):
    """The person in the path."""

    subject_id: SubjectId
