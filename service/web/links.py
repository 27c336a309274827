"""OpenAPI links: where an answer leads next, written into the document as it is built.

An answer that makes or shows something (a decision, a consent change, a receipt, the
notices) says, through OpenAPI ``links``, which calls take its ids further: read the decision
just made, ask for its review, retry a lender's request, read or renew or withdraw the
consent just granted, fetch its receipt and the receipt's inclusion proof, grant a purpose
quoting the notice version just read. ``LINKS`` is the table, in the document's own
terms (``METHOD /path``, runtime expressions such as ``$response.body#/id``);
``add_links`` writes it into each source operation's answers when the document is built
(``service.web.openapi.FairfileOpenAPI``), so the links are generated like the rest of the
document, and a link that names an operation the document lacks is a bug that stops the
build. Schemathesis follows these links in its stateful run (``tests/test_api_stateful.py``).

A withdrawal is a ``DELETE`` that keeps the consent readable: history is append-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

SUBJECT: Final = "$request.path.subject_id"

PERSON_DECISIONS: Final = "/v1/subjects/{subject_id}/decisions"
PERSON_DECISION: Final = PERSON_DECISIONS + "/{decision_id}"
LENDER_DECISIONS: Final = "/v1/lender/subjects/{subject_id}/decisions"
LENDER_DECISION: Final = LENDER_DECISIONS + "/{decision_id}"
CONSENTS: Final = "/v1/subjects/{subject_id}/consents"
CONSENT: Final = CONSENTS + "/{consent_id}"
RECEIPTS: Final = "/v1/subjects/{subject_id}/receipts"


class UnknownOperation(LookupError):
    """A link names an operation or answer the document does not have (a bug in ``LINKS``)."""


@dataclass(frozen=True)
class Link:
    """After ``source`` answers one of ``statuses``, ``target`` may be called with these values."""

    name: str
    source: str
    statuses: tuple[int, ...]
    target: str
    parameters: Mapping[str, str]
    description: str
    body: Mapping[str, Any] | str | None = field(default=None)

    def definition(self, operation_id: str) -> dict[str, Any]:
        """Return the OpenAPI Link Object that calls the operation ``operation_id``."""
        out: dict[str, Any] = {
            "operationId": operation_id,
            "parameters": dict(self.parameters),
            "description": self.description,
        }
        if self.body is not None:
            out["requestBody"] = self.body if isinstance(self.body, str) else dict(self.body)
        return out


def _decision_links(source: str, statuses: tuple[int, ...], id_at: str) -> list[Link]:
    decision = {"subject_id": SUBJECT, "decision_id": id_at}
    return [
        Link(
            "ReadDecision",
            source,
            statuses,
            f"GET {PERSON_DECISION}",
            decision,
            "The decision, its signed explanation and its reviews.",
        ),
        Link(
            "ReadDecisionPage",
            source,
            statuses,
            f"GET {PERSON_DECISION}.html",
            decision,
            "The same decision as a readable page.",
        ),
        Link(
            "AskForReview",
            source,
            statuses,
            f"POST {PERSON_DECISION}/reviews",
            decision,
            "Ask a person to review the decision.",
        ),
    ]


def _lender_decision_links(source: str, statuses: tuple[int, ...], id_at: str) -> list[Link]:
    decision = {"subject_id": SUBJECT, "decision_id": id_at}
    return [
        Link(
            "ReadDecision",
            source,
            statuses,
            f"GET {LENDER_DECISION}",
            decision,
            "The decision you asked for, with the shared part of its explanation.",
        ),
        Link(
            "AskForReview",
            source,
            statuses,
            f"POST {LENDER_DECISION}/reviews",
            decision,
            "Open a human review on the person's behalf.",
        ),
    ]


def _consent_links(source: str, statuses: tuple[int, ...], consent_at: str) -> list[Link]:
    consent = {"subject_id": SUBJECT, "consent_id": f"{consent_at}/id"}
    return [
        Link(
            "ReadConsent",
            source,
            statuses,
            f"GET {CONSENT}",
            consent,
            "The consent with every change to it.",
        ),
        Link(
            "RenewConsent",
            source,
            statuses,
            f"POST {CONSENT}/renewals",
            consent,
            "Open a new period under the notice the consent quotes.",
            body={"notice_version": f"{consent_at}/notice_version"},
        ),
        Link(
            "WithdrawConsent",
            source,
            statuses,
            f"DELETE {CONSENT}",
            consent,
            "Withdraw it; it stays readable, with its history.",
        ),
    ]


def _receipt_links(
    source: str, statuses: tuple[int, ...], receipt_at: str, entry_at: str
) -> list[Link]:
    return [
        Link(
            "ReadReceipt",
            source,
            statuses,
            f"GET {RECEIPTS}/{{receipt_id}}",
            {"subject_id": SUBJECT, "receipt_id": receipt_at},
            "The signed receipt, exactly as issued.",
        ),
        Link(
            "ProveInclusion",
            source,
            statuses,
            "GET /v1/log/entries/{entry_id}/inclusion-proof",
            {"entry_id": entry_at},
            "The receipt's audit path in a signed tree head.",
        ),
    ]


def _change_links(source: str, statuses: tuple[int, ...], *, withdrawn: bool) -> list[Link]:
    """A consent change answers the consent and its receipt."""
    links = _receipt_links(
        source,
        statuses,
        "$response.body#/receipt/document/consentReceiptID",
        "$response.body#/log_entry_id",
    )
    links.append(
        Link(
            "ListConsents",
            source,
            statuses,
            f"GET {CONSENTS}",
            {"subject_id": SUBJECT},
            "Every consent of the person, with its state now.",
        )
    )
    if not withdrawn:
        links += _consent_links(source, statuses, "$response.body#/consent")
        links += [
            Link(
                "AskForDecision",
                source,
                statuses,
                f"POST {PERSON_DECISIONS}",
                {"subject_id": SUBJECT},
                "Score the person now, from what their scoring consent covers.",
            ),
            Link(
                "LenderAsksForDecision",
                source,
                statuses,
                f"POST {LENDER_DECISIONS}",
                {"subject_id": SUBJECT},
                "With a `share:<lender>` consent in force, that lender may ask for a decision.",
            ),
        ]
    return links


def _grant(purpose: str) -> Link:
    return Link(
        f"Grant{purpose.title()}",
        "GET /v1/notices",
        (200,),
        f"POST {CONSENTS}",
        {},
        f"Grant `{purpose}`, quoting the version of its notice just read.",
        body={"purpose": purpose, "notice_version": f"$response.body#/purposes/{purpose}/version"},
    )


#: Every link of the document.
LINKS: Final[tuple[Link, ...]] = (
    # A person's decisions
    *_decision_links(f"POST {PERSON_DECISIONS}", (201,), "$response.body#/id"),
    Link(
        "ListDecisions",
        f"POST {PERSON_DECISIONS}",
        (201,),
        f"GET {PERSON_DECISIONS}",
        {"subject_id": SUBJECT},
        "Every decision about the person.",
    ),
    *_decision_links(f"GET {PERSON_DECISIONS}", (200,), "$response.body#/decisions/0/id"),
    Link(
        "ReadDecision",
        f"POST {PERSON_DECISION}/reviews",
        (201,),
        f"GET {PERSON_DECISION}",
        {"subject_id": SUBJECT, "decision_id": "$response.body#/review/decision_id"},
        "The decision, now with this review.",
    ),
    # A lender's decisions
    *_lender_decision_links(f"POST {LENDER_DECISIONS}", (200, 201), "$response.body#/id"),
    Link(
        "ListDecisions",
        f"POST {LENDER_DECISIONS}",
        (200, 201),
        f"GET {LENDER_DECISIONS}",
        {"subject_id": SUBJECT},
        "The decisions you asked for about this person.",
    ),
    Link(
        "RetryDecision",
        f"POST {LENDER_DECISIONS}",
        (200, 201),
        f"POST {LENDER_DECISIONS}",
        {"subject_id": SUBJECT, "header.Idempotency-Key": "$request.header.Idempotency-Key"},
        "The same request again: it answers the same decision (200), never a second one.",
        body="$request.body",
    ),
    *_lender_decision_links(f"GET {LENDER_DECISIONS}", (200,), "$response.body#/decisions/0/id"),
    Link(
        "ReadDecision",
        f"POST {LENDER_DECISION}/reviews",
        (201,),
        f"GET {LENDER_DECISION}",
        {"subject_id": SUBJECT, "decision_id": "$response.body#/review/decision_id"},
        "The decision the review is about.",
    ),
    # Enrolment and consents
    Link(
        "Enrol",
        "GET /v1/notices",
        (200,),
        "POST /v1/subjects/{subject_id}/enrolment",
        {},
        "Enrol, quoting the version of the enrolment notice just read.",
        body={"notice_version": "$response.body#/enrolment/version"},
    ),
    *(_grant(purpose) for purpose in ("scoring", "training", "statistics")),
    Link(
        "ListConsents",
        "POST /v1/subjects/{subject_id}/enrolment",
        (200, 201),
        f"GET {CONSENTS}",
        {"subject_id": SUBJECT},
        "Every consent of the person (none right after enrolling).",
    ),
    *_change_links(f"POST {CONSENTS}", (201,), withdrawn=False),
    *_change_links(f"POST {CONSENT}/renewals", (201,), withdrawn=False),
    *_change_links(f"DELETE {CONSENT}", (200,), withdrawn=True),
    *_consent_links(f"GET {CONSENTS}", (200,), "$response.body#/consents/0"),
    Link(
        "RenewConsent",
        f"GET {CONSENT}",
        (200,),
        f"POST {CONSENT}/renewals",
        {"subject_id": SUBJECT, "consent_id": "$request.path.consent_id"},
        "Open a new period under the notice the consent quotes.",
        body={"notice_version": "$response.body#/consent/notice_version"},
    ),
    *_receipt_links(
        f"GET {RECEIPTS}",
        (200,),
        "$response.body#/receipts/0/id",
        "$response.body#/receipts/0/log_entry_id",
    ),
    Link(
        "ProveInclusion",
        f"GET {RECEIPTS}/{{receipt_id}}",
        (200,),
        "GET /v1/log/entries/{entry_id}/inclusion-proof",
        {"entry_id": "$response.body#/log_entry_id"},
        "The receipt's audit path in a signed tree head.",
    ),
    # Disputes
    Link(
        "ListDisputes",
        "POST /v1/subjects/{subject_id}/disputes",
        (201,),
        "GET /v1/subjects/{subject_id}/disputes",
        {"subject_id": SUBJECT},
        "Every dispute of the person, with its state.",
    ),
)


def add_links(spec: dict[str, Any], links: tuple[Link, ...] = LINKS) -> dict[str, Any]:
    """Write ``links`` into the answers of their source operations; return ``spec``.

    Raises:
        UnknownOperation: a link names an operation, or an answer, the document lacks.
    """
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
    }
    for link in links:
        source, target = operations.get(link.source), operations.get(link.target)
        if source is None or target is None:
            raise UnknownOperation(f"link {link.name}: {link.source} -> {link.target}")
        for status in link.statuses:
            answer = source["responses"].get(str(status))
            if answer is None:
                raise UnknownOperation(f"link {link.name}: {link.source} never answers {status}")
            answer.setdefault("links", {})[link.name] = link.definition(target["operationId"])
    return spec
