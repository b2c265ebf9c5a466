"""One unit of work per action: the outermost `atomic` commits once, an inner one joins it, an
error rolls all of it back, and nobody inside commits early (domain/transaction.py)."""

import pytest
from sqlalchemy import select

from domain.models.shop import Shop
from domain.transaction import CommitInsideUnitOfWork, atomic, unit_of_work
from extensions import db


def stored_domains() -> set[str]:
    with db.engine.connect() as other:  # what another connection sees: only committed rows
        return set(other.scalars(select(Shop.domain)))


def add_shop(domain: str) -> None:
    db.session.add(Shop(domain=domain, settings={}))
    db.session.flush()


@unit_of_work
def install_two(first: str, second: str) -> None:
    add_shop(first)
    with atomic():  # an action called inside another joins it
        add_shop(second)
    assert first not in stored_domains(), "the inner action committed the outer one's work"


def test_the_outermost_unit_commits_once_with_the_inner_units_work(ctx):
    install_two("one.myshopify.com", "two.myshopify.com")
    assert {"one.myshopify.com", "two.myshopify.com"} <= stored_domains()


def test_an_error_anywhere_in_the_unit_rolls_all_of_it_back(ctx):
    with pytest.raises(ValueError), atomic():
        add_shop("kept-out.myshopify.com")
        with atomic():
            raise ValueError("the inner action failed")
    assert "kept-out.myshopify.com" not in stored_domains()
    assert db.session.scalar(select(Shop).where(Shop.domain == "kept-out.myshopify.com")) is None


def test_a_commit_inside_a_unit_of_work_is_refused_and_nothing_is_written(ctx):
    with pytest.raises(CommitInsideUnitOfWork), atomic():
        add_shop("early.myshopify.com")
        db.session.commit()  # a handler releasing the receipt's lock early
    assert "early.myshopify.com" not in stored_domains()


def test_outside_a_unit_of_work_a_commit_is_an_ordinary_commit(ctx):
    add_shop("plain.myshopify.com")
    db.session.commit()
    assert "plain.myshopify.com" in stored_domains()
