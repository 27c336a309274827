"""Score bands and approval rates: exact tabulation, exact cost, the model in the question."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy import func, select

from consent import DataCategory
from dp import InvalidQuery, LossRequest, PrivacyLoss
from dp.answers import release
from dp.ledger import fingerprint
from dp.models import Release
from dp.score_bands import SCORE, band_codes, band_labels, score_inputs, scores_of
from dp.statistics import StatQuery, columns_of, plan, tabulate
from scoring.card.scorecard import FeaturePoints, Scorecard, insufficient_data, score
from scoring.contract import FEATURES
from scoring.contract.models import put_facts
from scoring.errors import NoActiveModel
from scoring.workflow.disputes import open_dispute
from service.web.keys import consent_keys, vault
from synthetic import generate
from tests.analyst_fixtures import analyst_client
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person, grant
from tests.decision_fixtures import add_model, woe_points

ALL = ("rent", "utilities", "telecom", "bank_cashflow", "income", "bureau")
#: Epsilon so large (the most a release may ask) that discrete Laplace noise at scale 1/20
#: is nonzero with probability about 2 * exp(-20) < 5e-9 per cell: the answers are exact.
EXACT = "20"


def _hand_card(version: int = 7) -> Scorecard:
    """A two-feature card whose scores are easy to add up by hand (base 500)."""
    history = FEATURES["history_months"]  # bins [1, 6) [6, 12) [12, 24) [24, 24]
    lines = FEATURES["bureau_open_tradelines"]  # bins [0, 2) [2, 5) [5, 10) [10, 60], missing
    return Scorecard(
        version=version,
        base=500,
        features=(
            FeaturePoints(history, ("a", "b", "c", "d"), (0, 0, 60, 150)),
            FeaturePoints(lines, ("a", "b", "c", "d", "missing"), (-250, 0, 100, 200, 0)),
        ),
    )


#: (history_months, bureau_open_tradelines) -> score by hand, band index, thin file.
HAND = [
    ((3, 4), None, 13, 0),  # under 6 months: not scorable
    ((6, None), 500, 5, 1),  # 500 + 0 + 0 (no bureau file: neutral 0)
    ((12, None), 560, 6, 1),  # 500 + 60 + 0
    ((6, 1), 250, 0, 0),  # 500 + 0 - 250: below 300
    ((24, 12), 850, 12, 0),  # 500 + 150 + 200: exactly 850, so "850 and above"
    ((24, 7), 750, 10, 0),  # 500 + 150 + 100
    ((None, None), None, 13, 1),  # months withheld or disputed: not scorable
]


def _hand_columns():
    facts = [{"history_months": h, "bureau_open_tradelines": t} for (h, t), *_ in HAND]
    columns = columns_of(facts)
    columns[SCORE] = scores_of(_hand_card(), columns)
    return facts, columns


def _query(**kw):
    kw.setdefault("card", _hand_card())
    return StatQuery(request=LossRequest.parse(epsilon=1), **kw)


def test_scores_and_bands_are_the_hand_computed_ones():
    facts, columns = _hand_columns()
    expected = [math.nan if s is None else float(s) for _, s, _, _ in HAND]
    np.testing.assert_array_equal(columns[SCORE], expected)
    assert band_codes(columns[SCORE]).tolist() == [band for *_, band, _ in HAND]
    # The vectorised scores are the one-person scorer's, as a decision computes them.
    for fact, (_, hand, _, _) in zip(facts, HAND, strict=True):
        if hand is not None:
            assert score(_hand_card(), fact, allowed=set(DataCategory)).score == hand


def test_unshared_and_disputed_facts_score_as_a_decision_would():
    card = Scorecard.from_model(version=1, points=woe_points())
    facts = generate(300, seed=9).features.drop("subject_id").to_dicts()
    rng = np.random.default_rng(9)
    categories = sorted(DataCategory(c) for c in ALL)
    people = []
    for fact in facts:
        allowed = {c for c in categories if rng.random() < 0.6} | {DataCategory.BANK_CASHFLOW}
        disputed = set(rng.choice(sorted(FEATURES), size=rng.integers(0, 3), replace=False))
        people.append((fact, allowed, disputed))
    inputs = [score_inputs(f, allowed=a, disputed=d) for f, a, d in people]
    got = scores_of(card, columns_of(inputs))
    want = _as_decided(card, people)
    assert any(w is None for w in want)
    assert [None if math.isnan(g) else int(g) for g in got] == want


def test_a_score_band_count_is_exact_on_the_full_public_grid():
    _, columns = _hand_columns()
    query = _query(statistic="count", group_by=("thin_file", "score_band"))
    counts = tabulate(query, columns)["count"]
    labels = band_labels()
    assert len(counts) == 2 * len(labels) == 28
    expected = [0] * 28
    for *_, band, thin in HAND:
        expected[thin * len(labels) + band] += 1
    assert counts == expected
    assert counts[labels.index("not scorable")] == 1  # not thin, 3 months
    assert counts[len(labels) + labels.index("not scorable")] == 1  # thin, no months


@pytest.mark.parametrize(
    ("cut_off", "approvals"),
    [(None, [2, 1]), (550, [2, 1]), (560, [2, 1]), (561, [2, 0]), (500, [2, 2]), (0, [3, 2])],
)
def test_an_approval_rate_counts_scorable_people_at_the_cut_off(cut_off, approvals):
    _, columns = _hand_columns()
    query = _query(statistic="approval_rate", group_by=("thin_file",), cut_off=cut_off)
    # Not thin: 250, 750, 850 scorable; thin: 500, 560. Nobody unscorable is counted.
    assert tabulate(query, columns) == {"approvals": approvals, "count": [3, 2]}


def test_plans_cost_exactly_what_opendp_maps():
    rate = plan(_query(statistic="approval_rate", group_by=("region",)))
    assert rate.cells == 4
    assert set(rate.parts) == {"approvals", "count"}
    for part in rate.parts.values():
        assert part.sensitivity == 1
        assert part.measurement().map(1) == 0.5  # half of epsilon 1 each
    assert rate.cost == PrivacyLoss.zcdp("1/4")  # two (1/2)^2/2
    zcdp = plan(
        StatQuery(statistic="approval_rate", request=LossRequest.parse(rho="1"), card=_hand_card())
    )
    assert [p.measurement().map(1) for p in zcdp.parts.values()] == [0.5, 0.5]
    assert zcdp.cost == PrivacyLoss.zcdp("1")
    bands = plan(_query(statistic="count", group_by=("score_band",)))
    assert bands.cells == 14
    assert bands.parts["count"].measurement().map(1) == 1.0
    assert bands.cost == PrivacyLoss.zcdp("1/2")


def test_the_model_version_and_cut_off_are_part_of_the_question():
    members = ["a", "b"]
    v7 = _query(statistic="count", group_by=("score_band",))
    v8 = _query(statistic="count", group_by=("score_band",), card=_hand_card(version=8))
    assert v7.describe()["model_version"] == 7
    assert fingerprint(v7.describe(), members) != fingerprint(v8.describe(), members)
    default = _query(statistic="approval_rate")
    assert default.describe()["cut_off"] == 550
    assert default.describe() == _query(statistic="approval_rate", cut_off=550).describe()
    assert default.describe() != _query(statistic="approval_rate", cut_off=600).describe()
    # A query that does not score ignores the card: its old fingerprint still holds.
    plain = _query(statistic="count", group_by=("thin_file",))
    assert (
        plain.describe() == _query(statistic="count", group_by=("thin_file",), card=None).describe()
    )
    assert "model_version" not in plain.describe()
    # Scored queries need bank_cashflow (the months of history) at the least.
    assert (
        DataCategory.BANK_CASHFLOW
        in _query(statistic="approval_rate", group_by=("thin_file",)).categories()
    )


@pytest.mark.parametrize(
    "kw",
    [
        {"statistic": "approval_rate", "group_by": ("score_band",)},
        {"statistic": "approval_rate", "feature": "savings_balance"},
        {"statistic": "count", "cut_off": 550},
        {"statistic": "histogram", "feature": "score_band"},
    ],
)
def test_pointless_or_malformed_score_queries_are_refused(kw):
    with pytest.raises(InvalidQuery):
        _query(**kw)


def test_a_score_query_without_a_card_has_no_model():
    with pytest.raises(NoActiveModel):
        _query(statistic="count", group_by=("score_band",), card=None)


def test_the_approval_interval_covers_the_truth_and_a_broken_one_would_not():
    query = _query(statistic="approval_rate", group_by=("thin_file",))
    stat_plan = plan(query)
    big = {"approvals": [600, 100], "count": [1000, 1000]}
    covered = narrow = 0
    for _ in range(40):
        for cell, truth in zip(release(stat_plan, big).cells, [0.6, 0.1], strict=True):
            covered += cell.low <= truth <= cell.high
            narrow += abs(cell.value - truth) < 1e-9  # a check the noise must break
    assert covered >= 0.9 * 80
    assert narrow < 80


# ---- Through the API, on both engines, with an active model. ----


@pytest.fixture
def scored_app(tmp_path, sessions, session):
    """People with facts; most share everything for statistics, some only cash flow."""
    app = make_test_app(tmp_path, engine=sessions, privacy_budget_rho="inf")
    facts = generate(24, seed=5).features.drop("subject_id").to_dicts()
    facts[0]["history_months"] = 3  # not scorable
    keys = consent_keys(app)
    shared: list[tuple[dict, frozenset, frozenset]] = []
    for n, fact in enumerate(facts):
        subject_id = add_person(session)
        put_facts(session, vault=vault(app), subject_id=subject_id, facts=fact)
        if n >= 20:
            continue  # four people never granted statistics
        categories = ALL if n % 3 else ("bank_cashflow", "bureau")
        grant(session, keys, subject_id, purpose="statistics", categories=categories)
        disputed = frozenset()
        if n == 4:
            open_dispute(
                session,
                vault=vault(app),
                subject_id=subject_id,
                feature="savings_balance",
                statement="wrong",
            )
            disputed = frozenset({"savings_balance"})
        shared.append((fact, frozenset(DataCategory(c) for c in categories), disputed))
    session.commit()
    app.fairfile_shared = shared
    return app


def _as_decided(card, shared):
    """Each person's score as their decision would make it (None: insufficient data)."""
    out = []
    for fact, allowed, disputed in shared:
        if insufficient_data(fact, allowed=allowed, disputed=disputed):
            out.append(None)
        else:
            out.append(score(card, fact, allowed=allowed, disputed=disputed).score)
    return out


def test_score_bands_and_approval_rates_through_the_api(scored_app, session):
    client = analyst_client(scored_app)
    with pytest.raises(NoActiveModel):
        StatQuery(statistic="approval_rate", request=LossRequest.parse(epsilon=1))
    missing = client.post("/v1/statistics", json={"statistic": "approval_rate", "epsilon": "1"})
    assert missing.status_code == 503
    assert missing.json["type"].endswith("/no-active-model")
    banded = {"statistic": "count", "group_by": ["score_band"], "epsilon": "1"}
    assert client.post("/v1/statistics", json=banded).status_code == 503
    assert session.scalar(select(func.count()).select_from(Release)) == 0  # nothing charged

    version = add_model(session)
    session.commit()
    card = Scorecard.from_model(version=version, points=woe_points())
    scores = _as_decided(card, scored_app.fairfile_shared)
    assert None in scores
    assert len({s for s in scores if s is not None}) > 3

    bands = client.post("/v1/statistics", json={**banded, "epsilon": EXACT})
    assert bands.status_code == 201, bands.json
    assert bands.json["query"]["model_version"] == version
    labels = band_labels()
    assert [c["key"]["score_band"] for c in bands.json["cells"]] == labels
    codes = band_codes(np.array([math.nan if s is None else s for s in scores], dtype=float))
    expected = np.bincount(codes, minlength=len(labels)).tolist()
    assert [c["value"] for c in bands.json["cells"]] == expected
    assert float(bands.json["cost"]["rho"]) == 200  # 20**2 / 2

    body = {"statistic": "approval_rate", "group_by": ["thin_file"], "epsilon": EXACT}
    rate = client.post("/v1/statistics", json=body)
    assert rate.status_code == 201, rate.json
    assert rate.json["query"]["cut_off"] == 550
    assert set(rate.json["mechanism"]) == {"approvals", "count"}
    for thin, cell in enumerate(rate.json["cells"]):
        group = [
            s
            for s, (fact, _, _) in zip(scores, scored_app.fairfile_shared, strict=True)
            if s is not None and (fact["bureau_open_tradelines"] is None) == bool(thin)
        ]
        exact = sum(s >= 550 for s in group) / len(group) if group else 0.5
        assert cell["value"] == pytest.approx(exact)
        assert cell["interval"][0] <= cell["value"] <= cell["interval"][1]
    again = client.post("/v1/statistics", json=body)
    assert (again.status_code, again.json["stored"]) == (200, True)
    higher = client.post("/v1/statistics", json={**body, "cut_off": 620})
    assert higher.status_code == 201
    assert higher.json["query"]["cut_off"] == 620

    # A new model is a new question: the same words are charged and answered afresh.
    newer = add_model(session)
    session.commit()
    fresh = client.post("/v1/statistics", json=body)
    assert fresh.status_code == 201
    assert fresh.json["query"]["model_version"] == newer != version


def test_the_api_refuses_a_pointless_or_unknown_score_query(scored_app, session):
    add_model(session)
    session.commit()
    client = analyst_client(scored_app)
    by_band = {"statistic": "approval_rate", "group_by": ["score_band"], "epsilon": "1"}
    refused = client.post("/v1/statistics", json=by_band)
    assert refused.status_code == 422
    assert refused.json["type"].endswith("/invalid-query")
    cut = client.post("/v1/statistics", json={"statistic": "count", "cut_off": 1, "epsilon": "1"})
    assert cut.status_code == 422
    extra = client.post(
        "/v1/statistics", json={"statistic": "approval_rate", "epsilon": "1", "model": 2}
    )
    assert extra.status_code == 422
