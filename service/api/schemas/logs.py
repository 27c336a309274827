"""Response models of the public transparency-log API (they generate its OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Signature(BaseModel):
    """An Ed25519 signature over the canonical JSON of a document."""

    alg: str
    kid: str = Field(description="the key's id in `/.well-known/jwks.json`")
    value: str = Field(description="base64url")


class SignedEnvelope(BaseModel):
    """A signed document, ``{document, signature}``: verify it with ``/.well-known/jwks.json``.

    A tree head's document is RFC 9162 style (size, root hash, time); an explanation's is
    the decision explained.
    """

    document: dict[str, Any]
    signature: Signature


class InclusionProofOut(BaseModel):
    """The audit path of an entry in a signed tree."""

    leafIndex: int
    treeSize: int
    leafHash: str
    inclusionPath: list[str] = Field(description="hex node hashes, leaf to root")
    treeHead: SignedEnvelope


class ConsistencyProofOut(BaseModel):
    """A proof that the tree of size `treeSize1` is a prefix of the one of `treeSize2`."""

    treeSize1: int
    treeSize2: int
    consistencyPath: list[str] = Field(description="hex node hashes")
    treeHead1: SignedEnvelope
    treeHead2: SignedEnvelope
