"""Tables that belong to no single domain package: the subject's identity row."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, utcnow

#: A primary key made of a random UUID in its canonical text form (the same on every engine).
UuidPk = Annotated[str, mapped_column(String(36), primary_key=True)]
#: A creation time set by the application, in UTC.
CreatedAt = Annotated[dt.datetime, mapped_column(default=utcnow)]


def new_id() -> str:
    """Return a fresh random identifier.

    >>> len(new_id())
    36
    """
    return str(uuid.uuid4())


class Subject(Base):
    """A person known to Fairfile: a random identifier and nothing that names them.

    Every row about a person in other tables refers to this one. In the sandbox every
    subject is synthetic; ``origin`` says where they came from.
    """

    __tablename__ = "subjects"

    id: Mapped[UuidPk] = mapped_column(default=new_id)
    created_at: Mapped[CreatedAt]
    origin: Mapped[str] = mapped_column(String(16))
