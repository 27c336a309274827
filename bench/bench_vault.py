"""Encryption at rest: what sealing every value costs, next to not sealing it.

Sealing and opening 20,000 facts payloads (each under its own person's data key: one key
generated and wrapped per person, as in seeding), next to plain JSON encoding and decoding
of the same payloads; then seeding 3,000 sealed people into a SQLite file, as `make run`
does.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from bench.report import Row
from scoring.contract.models import TABLE
from store import make_engine, upgrade
from store.keks import KekFolder
from store.keys import MasterKeyFolder
from store.vault import Vault
from synthetic import generate, seed_population

PEOPLE = 20_000
SEEDED = 3_000


def run() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="fairfile-bench-vault-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite3'}")
    upgrade(engine)
    keks = KekFolder(folder / "keks", MasterKeyFolder(folder).load)
    vault = Vault(keks.load)
    population = generate(PEOPLE, seed=11)
    payloads = [json.dumps(row).encode() for row in population.features.to_dicts()]

    started = time.perf_counter()
    plain = [json.loads(p) for p in payloads]
    plain_s = time.perf_counter() - started

    with Session(engine) as session, session.begin():
        seeded = seed_population(
            session=session,
            vault=vault,
            features=population.features.head(PEOPLE),
            protected=population.protected,
        )
    with Session(engine) as session:
        vault.preload(session, seeded)
        started = time.perf_counter()
        sealed = [
            vault.seal(session, subject_id=s, table=TABLE, column="payload", plaintext=p)
            for s, p in zip(seeded, payloads, strict=True)
        ]
        seal_s = time.perf_counter() - started
    with Session(engine) as session:  # a fresh session: every data key is unwrapped again
        started = time.perf_counter()
        vault.preload(session, seeded)
        opened = [
            json.loads(vault.open(session, subject_id=s, table=TABLE, column="payload", sealed=c))
            for s, c in zip(seeded, sealed, strict=True)
        ]
        open_s = time.perf_counter() - started
    assert opened == plain

    engine2 = make_engine(f"sqlite:///{folder / 'seed.sqlite3'}")
    upgrade(engine2)
    small = generate(SEEDED, seed=12)
    started = time.perf_counter()
    with Session(engine2) as session, session.begin():
        seed_population(
            session=session, vault=vault, features=small.features, protected=small.protected
        )
    seed_s = time.perf_counter() - started

    # ``fairfile keys rotate``'s work: a new KEK, every data key re-wrapped, 1,000 a commit
    keks.create()
    vault.reload()
    started = time.perf_counter()
    moved = 0
    while True:
        with Session(engine) as session, session.begin():
            batch = vault.rewrap(session, batch=1_000, limit=1_000)
        moved += batch
        if batch == 0:
            break
    rotate_s = time.perf_counter() - started
    assert moved == PEOPLE
    return [
        Row(
            f"seal {PEOPLE:,} facts payloads (their data keys already unwrapped)",
            f"{seal_s * 1e6 / PEOPLE:.1f} us each",
        ),
        Row(
            f"open {PEOPLE:,} payloads, with a bulk load and unwrap of every person's key",
            f"{open_s * 1e6 / PEOPLE:.1f} us each",
            compare=f"plain JSON decode of the same payloads: {plain_s * 1e6 / PEOPLE:.1f} us each",
        ),
        Row(
            f"seed {SEEDED:,} sealed people into SQLite (what `make run` does)",
            f"{seed_s:.2f} s",
            "<= 10 s",
            seed_s <= 10,
        ),
        Row(
            f"re-wrap {PEOPLE:,} data keys under a new KEK on SQLite (`fairfile keys rotate`)",
            f"{rotate_s:.2f} s",
        ),
    ]
