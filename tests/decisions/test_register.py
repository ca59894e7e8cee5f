"""The register (sổ văn bản đi): per issuer and Vietnamese calendar year, from 01, no gaps, no
duplicates under concurrency — run with ECABINET_TEST_DATABASE_URL for PostgreSQL's row locks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from ecabinet.database import unit_of_work
from ecabinet.decisions import layout, register
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation


@pytest.fixture
def issuer(app):
    with app.app_context(), unit_of_work():
        organisation = Organisation(name="Thủ tướng Chính phủ", code="TTg")
        db.session.add(organisation)
        db.session.flush()
        return organisation.id


def test_symbols_have_a_leading_zero_below_ten():
    assert layout.symbol("quyet_dinh", "TTg", 5) == "05/QĐ-TTg"
    assert layout.symbol("nghi_quyet", "CP", 12) == "12/NQ-CP"
    assert layout.symbol("thong_bao_ket_luan", "VPCP", 101) == "101/TB-VPCP"
    assert layout.symbol("cong_van", "TTg", 7) == "07/TTg"


def test_the_year_is_vietnams():
    assert register.register_year(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) == 2026
    assert register.register_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == 2027


def test_numbers_start_at_one_per_issuer_and_year(app, issuer):
    with app.app_context(), unit_of_work():
        other = Organisation(name="Chính phủ", code="CP")
        db.session.add(other)
        db.session.flush()
        assert [register.take_number(issuer, 2026) for _ in range(3)] == [1, 2, 3]
        assert register.take_number(issuer, 2027) == 1
        assert register.take_number(other.id, 2026) == 1


def test_a_rolled_back_number_is_given_again(app, issuer):
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            assert register.take_number(issuer, 2026) == 1
            raise RuntimeError("the seal failed")
        with unit_of_work():
            assert register.take_number(issuer, 2026) == 1
        with unit_of_work():
            assert register.next_number(issuer, 2026) == 2  # looked at, not used
        with unit_of_work():
            assert register.take_number(issuer, 2026) == 2


def test_numbers_are_used_in_order(app, issuer):
    with app.app_context(), unit_of_work():
        with pytest.raises(RuntimeError):
            register.use_number(issuer, 2026, 5)


def test_concurrent_issues_get_distinct_consecutive_numbers(app, issuer):
    """Twelve transactions at once, each on its own connection and app context."""
    count = 12
    start = threading.Barrier(count)
    taken, errors = [], []
    lock = threading.Lock()

    def issue_one():
        try:
            with app.app_context():
                start.wait(timeout=30)
                with unit_of_work():
                    number = register.next_number(issuer, 2026)
                    # The seal signature happens here in the real issue.
                    register.use_number(issuer, 2026, number)
                with lock:
                    taken.append(number)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue_one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(taken) == list(range(1, count + 1))
    with app.app_context():
        assert register.last_number(issuer, 2026) == count
