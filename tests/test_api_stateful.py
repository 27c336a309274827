"""Schemathesis's stateful run, in process: it follows the links (``service/web/links.py``).

Scenarios start where Schemathesis finds an entry (the notices, then a grant or an enrolment
quoting them) and follow links with the real ids of the answers: ask for a decision, read it,
ask for its review; a lender asks about a person who shares with it, reads the decision,
retries the request, opens a review; read, renew or withdraw a consent, fetch its receipt and
the receipt's inclusion proof. Every answer must conform to the document (status, content
type, headers, body) and none may be a 5xx. Link inference is off, so only the document's
own links are followed, and the run must have followed links out of each kind of answer to a
2xx: a dropped link fails it.

Two lenders and two people, as in ``test_api_contract.py``: lender routes carry lender A's
key, a person's routes person A's token, and a generated person id is replaced by person A's
(every third by person B's). Person A shares with lender A; person B with both lenders.
Object-level authorisation is checked on every step that named either:

- a lender route naming person A, sent again with lender B's key, must answer 404 (A does
  not share with B); after a 2xx naming a decision, lender B naming its own sharer (person
  B) with that decision's id must answer 404 too;
- a lender route naming person B that answered a decision lender A asked for, sent again
  with lender B's key, must answer 404: a lender reads only the decisions it asked for;
- a person's route naming person A that answered 2xx, sent again with person B's token,
  must answer 404, and person B naming their own record with person A's decision, consent
  or receipt id must answer 404 (so nothing of A's is read, withdrawn or reviewed that way).

A retry of a lender's request that answers 200 must answer the decision already made.
Requests are valid ones only (``test_api_contract.py`` sends invalid ones too). Each
scenario runs in a savepoint rolled back at its end, so each starts from the same world.
``FAIRFILE_API_SCENARIOS`` sets the number of scenarios (default 15; CI raises it) and
``FAIRFILE_API_STEPS`` the most steps in one (default 20).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, ClassVar

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import Bundle
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.meta import TestPhase
from schemathesis.generation.stateful.state_machine import StepInput, normalize_name
from schemathesis.specs.openapi.checks import positive_data_acceptance, use_after_free
from schemathesis.specs.openapi.stateful import is_root_allowed, transition

from service.web.keys import consent_keys
from service.web.links import (
    CONSENT,
    CONSENTS,
    LENDER_DECISIONS,
    LINKS,
    PERSON_DECISIONS,
    Link,
    UnknownOperation,
    add_links,
)
from service.web.sessions import session_factory
from tests.conftest import make_test_app
from tests.consent_fixtures import grant, signed_in_headers
from tests.lender_fixtures import SHARED, make_world

SCENARIOS = int(os.environ.get("FAIRFILE_API_SCENARIOS", "15"))
STEPS = int(os.environ.get("FAIRFILE_API_STEPS", "20"))
ROOMY = {"rate_limit_per_ip": "1000000/minute", "rate_limit_lender": "1000000/minute"}
#: Valid requests, and only the document's own links (none inferred from the schemas or
#: from Location headers).
CONFIG = {
    "generation": {"mode": "positive"},
    "phases": {"stateful": {"inference": {"algorithms": []}}},
}
#: A withdrawal is a DELETE after which the consent stays readable (history is append-only),
#: so Schemathesis's use-after-free check does not apply to reading a consent.
READ_AFTER_WITHDRAWAL = f"GET {CONSENT}"
#: Answers out of which the run must have followed a link to a 2xx, at any number of scenarios.
MUST_FOLLOW = {
    "GET /v1/notices",
    f"POST {CONSENTS}",
    f"GET {CONSENTS}",
    f"DELETE {CONSENT}",
    f"POST {PERSON_DECISIONS}",
    f"POST {LENDER_DECISIONS}",
}

#: Where a scenario may also start: the sandbox's people are made outside the API (seeded),
#: so Schemathesis sees no call that makes a person and would start only from the notices;
#: the test knows its people and starts from asking about one too.
ENTRIES = (PERSON_DECISIONS, LENDER_DECISIONS)

pytestmark = pytest.mark.slow


@pytest.fixture
def workflow(tmp_path, sessions, connection):
    """A state machine over the app's document that counts what it called and followed."""
    app = make_test_app(tmp_path, engine=sessions, **ROOMY)
    world = make_world(app)
    person_a = signed_in_headers(app, world.subject_a)
    person_b = signed_in_headers(app, world.subject_b)
    with session_factory(app)() as s, s.begin():
        grant(s, consent_keys(app), world.subject_b, "share:lender-a", categories=SHARED)
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)
    machine = schema.as_state_machine()
    entries = [schema[path]["POST"] for path in ENTRIES]

    class Workflow(machine):  # type: ignore[misc]
        _root_labels = machine._root_labels | {operation.label for operation in entries}
        # counted over the whole run (a machine lives for one scenario)
        calls: ClassVar[Counter[str]] = Counter()
        followed: ClassVar[Counter[tuple[str, str, str]]] = Counter()
        refused: ClassVar[Counter[str]] = Counter()
        retried: ClassVar[Counter[str]] = Counter()

        def setup(self) -> None:
            self.savepoint = connection.begin_nested()
            self.drawn = 0

        def teardown(self) -> None:
            self.savepoint.rollback()

        def before_call(self, case: Any) -> None:
            params = case.path_parameters or {}
            drawn = params.get("subject_id")
            if drawn is None or drawn in (world.subject_a, world.subject_b):
                return
            # counted per scenario: a scenario's answers depend on its own draws only
            self.drawn += 1
            params["subject_id"] = world.subject_b if self.drawn % 3 == 2 else world.subject_a

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            lender_route = case.path.startswith("/v1/lender/")
            return {"headers": world.headers("a") if lender_route else dict(person_a)}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            excluded = [positive_data_acceptance]
            if case.operation.label == READ_AFTER_WITHDRAWAL:
                excluded.append(use_after_free)
            case.validate_response(
                response,
                excluded_checks=excluded,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            self.calls[f"{case.operation.label} {response.status_code}"] += 1
            if (case.path_parameters or {}).get("subject_id") in (world.subject_a, world.subject_b):
                self._replay_as_others(case, response.status_code)

        def step(self, input: Any) -> Any:
            output = super().step(input)
            answer = output.response
            if (
                input.transition is not None
                and input.is_applied
                and 200 <= answer.status_code < 300
            ):
                # a transition's id reads "SOURCE -> [status] NAME -> TARGET"
                source, rest = input.transition.id.split(" -> [", 1)
                name = rest.split("] ", 1)[1].split(" -> ", 1)[0]
                self.followed[(source, name, input.case.operation.label)] += 1
                if name == "RetryDecision" and answer.status_code == 200:
                    # a retry answers the decision already made
                    first = self.recorder.find_response(case_id=input.transition.parent_id)
                    assert answer.json()["id"] == first.json()["id"]
                    self.retried[first.json()["id"]] += 1
            return output

        def _replay_as_others(self, case: Any, status: int) -> None:
            named = case.path_parameters["subject_id"]
            succeeded = 200 <= status < 300
            names_decision = "decision_id" in case.path_parameters
            if case.path.startswith("/v1/lender/"):
                if named == world.subject_a:
                    self._refused(case, world.headers("b"), "share")
                if succeeded and names_decision and named == world.subject_a:
                    self._refused(case, world.headers("b"), "id", subject_id=world.subject_b)
                if succeeded and names_decision and named == world.subject_b:
                    self._refused(case, world.headers("b"), "asker")
            elif succeeded and named == world.subject_a:
                self._refused(case, dict(person_b), "self")
                if len(case.path_parameters) > 1:
                    self._refused(case, dict(person_b), "id", subject_id=world.subject_b)

        def _refused(self, case: Any, headers: dict[str, str], why: str, **path: str) -> None:
            kept = dict(case.path_parameters)
            case.path_parameters.update(path)
            try:
                answer = case.call(headers=headers)
            finally:
                case.path_parameters.clear()
                case.path_parameters.update(kept)
            where = f"{case.method} {case.formatted_path} as someone else"
            assert answer.status_code == 404, (where, path, answer.status_code, answer.text)
            lender_route = case.path.startswith("/v1/lender/")
            self.refused[f"{'lender' if lender_route else 'person'} {why}"] += 1

    for operation in entries:
        name = normalize_name(f"START {operation.label}")
        cases = operation.as_strategy(GenerationMode.POSITIVE, phase=TestPhase.STATEFUL)
        start = transition(
            name=name,
            target=Bundle("catch_all"),
            input=cases.map(StepInput.initial),
            precondition=is_root_allowed(operation.label),
        )
        setattr(Workflow, name, start)
    return Workflow


def test_the_stateful_run_follows_the_links_and_keeps_people_apart(workflow):
    workflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    sources = {source for source, _name, _target in workflow.followed}
    assert sources >= MUST_FOLLOW, (sorted(MUST_FOLLOW - sources), workflow.calls)
    kinds = {"lender share", "lender id", "lender asker", "person self", "person id"}
    assert kinds <= set(workflow.refused), workflow.refused
    assert workflow.retried, "no retried lender request answered 200"


def test_every_link_of_the_table_is_in_the_document(tmp_path):
    spec = make_test_app(tmp_path).test_client().get("/openapi.json").json
    written = {
        (f"{method.upper()} {path}", code, name)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for code, answer in operation["responses"].items()
        for name in answer.get("links", {})
    }
    wanted = {(link.source, str(code), link.name) for link in LINKS for code in link.statuses}
    assert written == wanted


def test_a_link_to_an_operation_the_document_lacks_stops_the_build(tmp_path):
    spec = make_test_app(tmp_path).test_client().get("/openapi.json").json
    stray = Link("ReadNothing", f"POST {PERSON_DECISIONS}", (201,), "GET /v1/nothing", {}, "?")
    with pytest.raises(UnknownOperation, match="GET /v1/nothing"):
        add_links(spec, (stray,))
    unanswered = Link("ReadIt", f"POST {PERSON_DECISIONS}", (299,), f"GET {CONSENTS}", {}, "?")
    with pytest.raises(UnknownOperation, match="never answers 299"):
        add_links(spec, (unanswered,))
