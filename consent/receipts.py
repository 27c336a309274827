"""Consent receipts: Kantara Consent Receipt v1.1 documents, signed with Ed25519.

Every grant, renewal and withdrawal gives the person a receipt. It carries the Kantara
v1.1 fields (``version`` ... ``spiCat``), one service with exactly one purpose (Fairfile
never bundles purposes), W3C DPV terms as purpose categories, and Fairfile's own facts
under ``"fairfile"``: the event, consent id, machine purpose, state, expiry and notice
version. Times are integer Unix seconds, as Kantara's ``consentTimestamp`` is.

The receipt names its person only by a pseudonym (``piiPrincipalId``), never by the
subject id, and holds no special-category data (``sensitive`` is false, ``spiCat`` empty).

``sign_receipt`` returns a ``store.signing`` envelope; ``verify_receipt`` checks one. The
log leaf of a receipt is ``receipt_leaf_hash(envelope)``: the RFC 9162 leaf hash of the
envelope's canonical JSON, so anyone holding a receipt can find it in the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from store import Keyring, SignatureInvalid, canonical_json, verify_envelope

from .categories import DataCategory
from .merkle import leaf_hash

#: The Kantara Consent Receipt specification version every receipt states.
KANTARA_VERSION: Final = "KI-CR-v1.1.0"
#: The prefix of a purpose that discloses to a named lender, as in ``share:acme``.
SHARE_PREFIX: Final = "share:"

EventKind = Literal["grant", "renew", "withdraw"]
ConsentState = Literal["active", "withdrawn", "expired"]
CollectionMethod = Literal["api", "ui"]

_DPV_FINANCE: Final = "https://w3id.org/dpv/sector/finance#"
_DPV: Final = "https://w3id.org/dpv#"
#: W3C DPV purpose terms for each kind of purpose (``share`` stands for ``share:<lender>``).
PURPOSE_CATEGORIES: Final[Mapping[str, tuple[str, ...]]] = {
    "scoring": (_DPV_FINANCE + "CreditScoreEvaluation",),
    "share": (_DPV_FINANCE + "CreditChecking",),
    "training": (_DPV_FINANCE + "ServiceImprovement",),
    "statistics": (_DPV + "ResearchAndDevelopment",),
}
_METHODS: Final[Mapping[str, str]] = {
    "api": "explicit request to the Fairfile API",
    "ui": "explicit action in the Fairfile web interface",
}
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Controller:
    """The organisation that answers for the data: Kantara's ``piiControllers`` entry."""

    name: str
    contact: str
    street_address: str
    locality: str
    postal_code: str
    country: str
    email: str
    phone: str
    url: str
    policy_url: str
    service: str
    jurisdiction: str
    language: str = "en"

    def document(self) -> dict[str, Any]:
        """Return the Kantara ``piiControllers`` entry."""
        return {
            "piiController": self.name,
            "onBehalf": False,
            "contact": self.contact,
            "address": {
                "streetAddress": self.street_address,
                "addressLocality": self.locality,
                "postalCode": self.postal_code,
                "addressCountry": self.country,
            },
            "email": self.email,
            "phone": self.phone,
            "piiControllerUrl": self.url,
        }


#: The sandbox operator. Every contact detail is a placeholder that reaches nobody: the
#: ``.example`` domain is reserved (RFC 2606) and 020 7946 0xxx is Ofcom's drama range.
SANDBOX_CONTROLLER: Final = Controller(
    name="Fairfile sandbox",
    contact="Fairfile sandbox privacy contact (SANDBOX PLACEHOLDER: not a real organisation)",
    street_address="1 Example Street (sandbox placeholder)",
    locality="London",
    postal_code="ZZ99 9ZZ",
    country="GB",
    email="privacy@fairfile.example",
    phone="+44 20 7946 0000",
    url="https://fairfile.example/",
    policy_url="https://fairfile.example/privacy",
    service="Fairfile credit scoring sandbox (synthetic data only)",
    jurisdiction="GB",
)


@dataclass(frozen=True)
class ReceiptFacts:
    """What one consent event was, as a receipt states it.

    Attributes:
        receipt_id: A fresh id for this receipt (``consentReceiptID``).
        consent_id: The consent the event belongs to.
        event: ``grant``, ``renew`` or ``withdraw``.
        timestamp: When the event happened (aware).
        collection_method: ``api`` or ``ui``.
        subject_pseudonym: The person's pseudonym; never the subject id.
        purpose: ``scoring``, ``share:<lender>``, ``training`` or ``statistics``.
        data_categories: The categories the consent covers.
        notice_version: The version of the notice text the person was shown.
        state: The consent's state after the event: ``active``, ``withdrawn``, ``expired``.
        expires_at: When the consent's period ends (aware).
        lender_name: The lender's name; given exactly when the purpose is a share.
    """

    receipt_id: str
    consent_id: str
    event: EventKind
    timestamp: dt.datetime
    collection_method: CollectionMethod
    subject_pseudonym: str
    purpose: str
    data_categories: frozenset[DataCategory]
    notice_version: str
    state: ConsentState
    expires_at: dt.datetime
    lender_name: str | None = None

    def __post_init__(self) -> None:
        for name in ("receipt_id", "consent_id", "subject_pseudonym", "notice_version"):
            if not getattr(self, name):
                raise ValueError(f"a receipt needs a non-empty {name}")
        _require(self.event, EventKind, "event")
        _require(self.state, ConsentState, "state")
        _require(self.collection_method, CollectionMethod, "collection_method")
        if (self.event == "withdraw") != (self.state == "withdrawn"):
            raise ValueError("a withdrawal, and only a withdrawal, leaves a consent withdrawn")
        kind = _purpose_kind(self.purpose)
        if (kind == "share") != bool(self.lender_name):
            raise ValueError("a lender name is given exactly when the purpose is share:<lender>")
        if not all(isinstance(category, DataCategory) for category in self.data_categories):
            raise ValueError("data_categories holds DataCategory members only")
        unix_seconds(self.timestamp)
        unix_seconds(self.expires_at)


def _purpose_kind(purpose: str) -> str:
    """Return ``scoring``, ``share``, ``training`` or ``statistics`` for a purpose.

    >>> _purpose_kind("share:acme")
    'share'

    Raises:
        ValueError: the purpose is none of these.
    """
    if purpose.startswith(SHARE_PREFIX) and len(purpose) > len(SHARE_PREFIX):
        return "share"
    if purpose in PURPOSE_CATEGORIES and purpose != "share":
        return purpose
    raise ValueError(f"unknown purpose {purpose!r}")


def unix_seconds(moment: dt.datetime) -> int:
    """Return an aware ``moment`` as whole Unix seconds (rounded down).

    >>> unix_seconds(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    1735689600
    """
    if moment.utcoffset() is None:
        raise ValueError("a naive datetime has no defined Unix time; pass an aware one")
    return (moment - _EPOCH) // dt.timedelta(seconds=1)


def build_receipt(
    facts: ReceiptFacts, *, controller: Controller = SANDBOX_CONTROLLER
) -> dict[str, Any]:
    """Return the receipt document for ``facts`` (unsigned)."""
    kind = _purpose_kind(facts.purpose)
    purpose: dict[str, Any] = {
        "purpose": _description(kind, facts.lender_name),
        "consentType": "EXPLICIT",
        "purposeCategory": list(PURPOSE_CATEGORIES[kind]),
        "piiCategory": sorted(category.value for category in facts.data_categories),
        "primaryPurpose": True,
        "termination": _termination(facts, kind),
        "thirdPartyDisclosure": kind == "share",
    }
    if facts.lender_name:
        purpose["thirdPartyName"] = facts.lender_name
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": controller.jurisdiction,
        "consentTimestamp": unix_seconds(facts.timestamp),
        "collectionMethod": _METHODS[facts.collection_method],
        "consentReceiptID": facts.receipt_id,
        "language": controller.language,
        "piiPrincipalId": facts.subject_pseudonym,
        "piiControllers": [controller.document()],
        "policyUrl": controller.policy_url,
        "services": [{"service": controller.service, "purposes": [purpose]}],
        "sensitive": False,
        "spiCat": [],
        "fairfile": {
            "event": facts.event,
            "consentId": facts.consent_id,
            "purpose": facts.purpose,
            "state": facts.state,
            "expiresAt": unix_seconds(facts.expires_at),
            "noticeVersion": facts.notice_version,
            "channel": facts.collection_method,
        },
    }


def sign_receipt(
    facts: ReceiptFacts, keyring: Keyring, *, controller: Controller = SANDBOX_CONTROLLER
) -> dict[str, Any]:
    """Build the receipt for ``facts`` and return it signed (a ``store.signing`` envelope)."""
    return keyring.sign(build_receipt(facts, controller=controller))


def verify_receipt(envelope: object, public_keys: Mapping[str, Ed25519PublicKey]) -> dict[str, Any]:
    """Check a signed receipt against trusted keys and return the receipt document.

    Raises:
        SignatureInvalid: the signature does not verify (see ``store.signing.verify``), or
            the signed document is not a Kantara v1.1 receipt with an integer timestamp.
    """
    document = verify_envelope(envelope, public_keys)
    timestamp = document.get("consentTimestamp")
    if document.get("version") != KANTARA_VERSION or not (
        isinstance(timestamp, int) and not isinstance(timestamp, bool)
    ):
        raise SignatureInvalid(f"the signed document is not a {KANTARA_VERSION} consent receipt")
    return document


def receipt_leaf_hash(envelope: Mapping[str, Any]) -> bytes:
    """Return the transparency-log leaf hash of a signed receipt envelope."""
    return leaf_hash(canonical_json(envelope))


def _require(value: str, allowed: object, name: str) -> None:
    options = get_args(allowed)
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}, not {value!r}")


def _description(kind: str, lender: str | None) -> str:
    return {
        "scoring": "Compute your credit score and its explanation from the data categories listed",
        "share": f"Disclose your Fairfile score and decision to {lender}",
        "training": "Include your data, under differential privacy, when the scoring "
        "model is retrained",
        "statistics": "Include you in differentially private aggregate statistics",
    }[kind]


def _termination(facts: ReceiptFacts, kind: str) -> str:
    ends = _day(facts.expires_at)
    if facts.state == "active":
        return (
            f"This consent ends on {ends} unless you renew it. You can withdraw it at any "
            "time, as easily as you gave it, from your consents page or the consent API; "
            "withdrawal takes effect at once."
        )
    if facts.state == "expired":
        return (
            f"This consent expired on {ends}, and Fairfile stopped using your data for this "
            "purpose then. You can give it again at any time."
        )
    stopped = {
        "scoring": "Fairfile no longer reads these data categories to score you",
        "share": f"{facts.lender_name} no longer receives your score or decision",
        "training": "your data is left out of every later model training",
        "statistics": "you are left out of every later statistics release",
    }[kind]
    return f"You withdrew this consent on {_day(facts.timestamp)}; from then on {stopped}."


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
