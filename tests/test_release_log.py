"""A release is logged once, its size hidden; each member sees and proves they were read.

The attacker's moves from the outside probe: reading how far the public log grew after a
release (it grew by one entry per person read), comparing a release's log entry over a
small and a large snapshot, asking the same question again after someone joined (the
replay used to say whether the snapshot changed), moving a membership to another person
or rewriting it, and finally the outside audit: neighbouring datasets, many releases,
everything an outsider and the asker can read, put together.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
from scipy.stats import beta
from sqlalchemy import select, update

from consent import lifecycle, membership, merkle
from consent.transparency import ReleaseMember, verify_log
from service.web.keys import consent_keys
from store.signing import canonical_json
from synthetic import generate
from tests.analyst_fixtures import analyst_headers, statistics_people
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person, grant, signed_in_headers

ALL = ("rent", "utilities", "telecom", "bank_cashflow", "income", "bureau")
COUNT = {"statistic": "count", "group_by": ["thin_file"], "epsilon": "1"}
FACTS = generate(40, seed=6).features.drop("subject_id").to_dicts()


@pytest.fixture
def release_app(tmp_path, sessions):
    return make_test_app(
        tmp_path, engine=sessions, privacy_budget_rho="1000", privacy_allocations="analysts=1000"
    )


def _join(app, session, count: int, *, start: int = 0) -> list[str]:
    """``count`` people who granted ``statistics``, with facts."""
    return statistics_people(app, session, FACTS[start : start + count])


def _tree_size(client) -> int:
    return client.get("/v1/log/tree-head").json["document"]["treeSize"]


def _release_entry(client, headers, body) -> tuple[dict, int, dict]:
    """Release ``body``; return the answer, how far the log grew, and the release's entry."""
    before = _tree_size(client)
    answer = client.post("/v1/statistics", json=body, headers=headers)
    assert answer.status_code in (200, 201), answer.json
    grown = _tree_size(client) - before
    return answer.json, grown, answer.headers


def test_a_release_is_one_log_entry_whatever_it_read(release_app, session):
    client = release_app.test_client()
    lab = analyst_headers(release_app, "lab")
    _join(release_app, session, 3)
    small, grew_small, _ = _release_entry(client, lab, COUNT)
    _join(release_app, session, 30, start=3)
    large, grew_large, _ = _release_entry(client, lab, {**COUNT, "fresh": True})
    assert grew_small == grew_large == 1  # 3 people or 33: the log grows by one
    rows = {
        r.log_entry_id: r.id for r in session.scalars(select(ReleaseMember)).all()
    }  # two releases, so two entries hold members
    assert len(rows) == 2
    members = session.scalars(select(ReleaseMember)).all()
    assert Counter(m.log_entry_id for m in members).most_common() == [
        (max(rows), 33),
        (min(rows), 3),
    ]
    assert {len(m.path) for m in members} == {membership.DEPTH * 64}  # every proof as long
    assert small["release_id"] != large["release_id"]


def test_each_member_proves_they_were_read_and_nobody_else_is_shown_it(release_app, session):
    client = release_app.test_client()
    lab = analyst_headers(release_app, "lab")
    counted = _join(release_app, session, 5)
    outsider = add_person(session)  # enrolled, never granted statistics
    session.commit()
    answer, _, _ = _release_entry(client, lab, COUNT)
    head = client.get("/v1/log/tree-head").json  # sequences the release's entry

    for person in counted:
        log = client.get(
            f"/v1/subjects/{person}/access-log", headers=signed_in_headers(release_app, person)
        ).json["entries"]
        (item,) = [e for e in log if e["kind"] == "release"]
        leaf, proved = item["entry"], item["membership"]
        assert leaf["actor"] == "analyst:lab"
        assert leaf["release"] == answer["release_id"]
        assert leaf["subject"] == consent_keys(release_app).pseudonyms.of(person)
        assert set(leaf["categories"]) == {"bureau"}  # thin_file reads the bureau file only
        # The leaf is under the root the release entry commits to ...
        release_entry = proved["release_entry"]
        assert set(release_entry) == {
            "type",
            "time",
            "actor",
            "release",
            "purpose",
            "what",
            "membersRoot",
            "membersDepth",
        }  # and that entry says nothing of how many it read
        proof = membership.MemberProof.from_hex(proved["position"], proved["path"])
        root = bytes.fromhex(release_entry["membersRoot"])
        assert membership.verify(canonical_json(leaf), proof, root)
        assert not membership.verify(canonical_json({**leaf, "actor": "regulator"}), proof, root)
        # ... and that entry is in the signed public log.
        inclusion = client.get(f"/v1/log/entries/{item['id']}/inclusion-proof").json
        signed = head["document"]
        assert merkle.verify_inclusion(
            inclusion["leafIndex"],
            signed["treeSize"],
            merkle.leaf_hash(canonical_json(release_entry)),
            [bytes.fromhex(h) for h in inclusion["inclusionPath"]],
            bytes.fromhex(signed["rootHash"]),
        )
    theirs = client.get(
        f"/v1/subjects/{outsider}/access-log", headers=signed_in_headers(release_app, outsider)
    ).json["entries"]
    assert not [e for e in theirs if e["kind"] == "release"]
    export = client.get(
        f"/v1/subjects/{counted[0]}/export", headers=signed_in_headers(release_app, counted[0])
    ).json
    assert "membership" in json.dumps(export)  # the export carries the proof too
    from tests.test_ui import sign_in

    browser = release_app.test_client()
    sign_in(release_app, browser, counted[0])
    page = browser.get("/my-data").get_data(as_text=True)
    assert f"statistic {answer['release_id']}" in page  # and the history page shows it
    assert "analyst:lab" in page


def test_a_moved_or_rewritten_membership_is_caught_by_the_audit(release_app, session):
    client = release_app.test_client()
    _join(release_app, session, 4)
    _release_entry(client, analyst_headers(release_app, "lab"), COUNT)
    keys = consent_keys(release_app)
    assert verify_log(session, keys.keyring.public_keys()).problems == ()
    first, second = session.scalars(select(ReleaseMember).order_by(ReleaseMember.id)).all()[:2]
    # Hiding a read from one person by filing it under another:
    session.execute(
        update(ReleaseMember)
        .where(ReleaseMember.id == first.id)
        .values(subject_ref=keys.pseudonyms.of(add_person(session)))
    )
    # and rewriting who read another:
    forged = json.loads(second.leaf) | {"actor": "lender:alpha"}
    session.execute(
        update(ReleaseMember)
        .where(ReleaseMember.id == second.id)
        .values(leaf=canonical_json(forged).decode())
    )
    problems = verify_log(session, keys.keyring.public_keys()).problems
    assert any(f"membership {first.id} is filed under another person" in p for p in problems)
    assert any(f"membership {second.id} of log entry" in p for p in problems)


def test_a_replay_does_not_say_whether_anyone_joined_and_fresh_pays_for_a_new_answer(
    release_app, session
):
    client = release_app.test_client()
    lab = analyst_headers(release_app, "lab")
    _join(release_app, session, 6)
    first, _, _ = _release_entry(client, lab, COUNT)
    _join(release_app, session, 1, start=6)  # somebody joins
    again, grew, _ = _release_entry(client, lab, COUNT)
    assert again["stored"] is True
    assert grew == 0
    assert again["cells"] == first["cells"]
    assert again["release_id"] == first["release_id"]
    assert again["cost"]["rho"] == "0"
    fresh, grew, _ = _release_entry(client, lab, {**COUNT, "fresh": True})
    assert fresh["stored"] is False
    assert grew == 1
    assert fresh["cost"]["rho"] == "0.5"
    latest, _, _ = _release_entry(client, lab, COUNT)
    assert latest["release_id"] == fresh["release_id"]  # the replay is the latest answer


# -- The outside audit ------------------------------------------------------------------------

RUNS = 160  # releases per neighbouring dataset, split in two halves
CLAIMED = 1.0
#: What varies from release to release whatever the data (ids, times, signatures).
VOLATILE = {"release_id", "request_id", "created_at", "time", "id", "membersRoot"}
#: Headers that vary whatever the data (the body's length follows the noisy digits).
VOLATILE_HEADERS = {
    "x-request-id",
    "date",
    "location",
    "content-length",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
}


def _cp(successes: int, trials: int, alpha: float = 0.001) -> tuple[float, float]:
    low = beta.ppf(alpha / 2, successes, trials - successes + 1) if successes else 0.0
    high = beta.ppf(1 - alpha / 2, successes + 1, trials - successes) if successes < trials else 1.0
    return float(low), float(high)


def _bound(hits_in: int, hits_out: int, trials: int) -> float:
    """The epsilon lower bound a test's hit rates on the two datasets prove (99.9%)."""
    low_in, _ = _cp(hits_in, trials)
    _, high_out = _cp(hits_out, trials)
    return math.log(low_in / high_out) if low_in > 0 and high_out > 0 else 0.0


def _strip(value):
    """Everything in ``value`` except the noisy cells and what varies whatever the data."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE | {"cells"}}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _observe(client, headers, regulator, made: int) -> tuple[float, str]:
    """Release the count once; return its noisy value and everything else anyone saw.

    ``made`` releases came before it: what is left of the budget is shown as what it would
    be had none been made (rho 0.5 each), so that the order of the runs is not an
    observable the two datasets differ in.
    """
    answer, grew, response_headers = _release_entry(client, headers, {**COUNT, "fresh": True})
    listed = client.get("/v1/statistics/releases?limit=1", headers=regulator).json
    head = client.get("/v1/log/tree-head").json["document"]
    everything = {
        "answer": _strip({k: v for k, v in answer.items() if k != "remaining"}),
        "left_before_any": float(answer["remaining"]["rho"]) + 0.5 * made,
        "headers": sorted(
            (k, v) for k, v in response_headers.items() if k.lower() not in VOLATILE_HEADERS
        ),
        "log_grew": grew,
        "listed": _strip(listed),
        "head_keys": sorted(head),
    }
    value = sum(cell["value"] for cell in answer["cells"])
    return value, json.dumps(everything, sort_keys=True)


def _empirical_epsilon(without, with_one) -> float:
    """The best held-out bound over threshold tests on the value and equality tests on the rest."""
    half = RUNS // 2

    def tests():
        values = sorted({v for v, _ in without + with_one})
        for t in values:
            yield lambda v, _s, t=t: v >= t
            yield lambda v, _s, t=t: v < t
        for signature in {s for _, s in without + with_one}:
            yield lambda _v, s, sig=signature: s == sig
            yield lambda _v, s, sig=signature: s != sig

    def score(test, a, b):
        hits_a = sum(test(v, s) for v, s in a)
        hits_b = sum(test(v, s) for v, s in b)
        return max(_bound(hits_a, hits_b, len(a)), _bound(hits_b, hits_a, len(a)))

    chosen = max(tests(), key=lambda t: score(t, with_one[:half], without[:half]))
    return score(chosen, with_one[half:], without[half:])


def test_the_outside_audit_finds_no_more_than_the_claim_and_would_find_a_size(release_app, session):
    """Neighbouring datasets: 12 people counted, or 13; nothing seen beats epsilon 1.

    The thirteenth person withdraws and grants again between releases, so the runs of the
    two datasets interleave. The same audit, given one more observable, the number of
    membership rows a release wrote (what the log's growth published before ADR 0020),
    must find far more than the claim: that shows the audit can fail.
    """
    client = release_app.test_client()
    lab = analyst_headers(release_app, "lab")
    regulator = analyst_headers(release_app, "fca", role="regulator")
    _join(release_app, session, 12)
    keys = consent_keys(release_app)
    (extra,) = _join(release_app, session, 1, start=12)
    without, with_one = [], []
    for run in range(RUNS):
        with_one.append(_observe(client, lab, regulator, made=2 * run))
        consent = lifecycle.consents_of(session, extra)[-1]
        lifecycle.withdraw(
            session, keys=keys, subject_id=extra, consent_id=consent.id, channel="api"
        )
        session.commit()
        without.append(_observe(client, lab, regulator, made=2 * run + 1))
        grant(session, keys, extra, purpose="statistics", categories=ALL)
        session.commit()
    assert len({seen for _, seen in without + with_one}) == 1  # all but the noise, alike
    assert _empirical_epsilon(without, with_one) <= CLAIMED

    sizes = Counter(session.scalars(select(ReleaseMember.log_entry_id)).all())
    ordered = [sizes[k] for k in sorted(sizes)]
    assert ordered[:4] == [13, 12, 13, 12]
    leaked_in = [(v, f"{s}|{n}") for (v, s), n in zip(with_one, ordered[0::2], strict=True)]
    leaked_out = [(v, f"{s}|{n}") for (v, s), n in zip(without, ordered[1::2], strict=True)]
    assert _empirical_epsilon(leaked_out, leaked_in) > 2 * CLAIMED
