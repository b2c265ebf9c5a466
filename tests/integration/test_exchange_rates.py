"""Exchange rates from the ECB's daily reference rates, read over HTTP from the stand-in
(standins/ecb.py) at the configured ECB_RATES_URL, stored per day, and locked for a payment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from domain.clock import utcnow
from domain.models.payments import ExchangeRate
from domain.payments import rates
from extensions import db
from integrations.exchange_rates import RatesUnavailable, fetch_daily
from jobs import rates as rates_job
from standins.ecb import DEFAULT_RATES


def _rows() -> list[tuple]:
    return db.session.execute(
        select(ExchangeRate.rate_date, ExchangeRate.currency, ExchangeRate.per_euro).order_by(
            ExchangeRate.currency
        )
    ).all()


def test_refresh_reads_and_stores_the_days_rates(ctx, ecb):
    """A refresh reads the stand-in's document over HTTP and stores one row per currency for its
    reference date, with the source and the time Relay read it."""
    daily = rates.refresh_rates()
    assert daily.date == date.today().isoformat()
    assert daily.per_euro["USD"] == Decimal("1.0823")
    assert daily.source == "European Central Bank"
    stored = {currency: per_euro for _day, currency, per_euro in _rows()}
    assert set(stored) == set(DEFAULT_RATES) and "KWD" not in stored
    assert stored["HUF"] == Decimal("395.20")
    assert db.session.scalar(select(func.count()).where(ExchangeRate.fetched_at.is_(None))) == 0


def test_refreshing_twice_changes_nothing(ctx, ecb):
    """The same day read twice: the same rows and rates (only the read time moves on)."""
    rates.refresh_rates()
    first = _rows()
    rates.refresh_rates()
    assert _rows() == first


def test_a_changed_rate_for_the_same_day_replaces_the_stored_one(ctx, ecb):
    """The ECB corrected a rate: the day's row is updated in place, never duplicated."""
    rates.refresh_rates()
    ecb.control(rates={"USD": "1.1000"})
    rates.refresh_rates()
    assert rates.lock_rate("EUR", "USD").rate == Decimal("1.1")
    assert db.session.scalar(select(func.count()).where(ExchangeRate.currency == "USD")) == 1


def test_cross_rate_through_the_euro(ctx, ecb):
    """USD -> HUF is HUF per euro over USD per euro, at the newest day, with its date and
    source; converting rounds to the forint's decimals (none, per CLDR)."""
    rates.refresh_rates()
    locked = rates.lock_rate("USD", "HUF")
    expected = (Decimal("395.20") / Decimal("1.0823")).quantize(Decimal("1e-10"))
    assert locked.rate == expected
    assert (locked.from_currency, locked.to_currency) == ("USD", "HUF")
    assert locked.rate_date == date.today().isoformat()
    assert locked.source == "European Central Bank"
    assert rates.convert(Decimal("100.00"), locked) == Decimal("36515")


def test_same_currency_is_one_without_any_rates(ctx, ecb):
    """No rates are needed (nor read) to convert a currency to itself."""
    locked = rates.lock_rate("usd", "USD")
    assert locked.rate == Decimal(1) and locked.source == "same currency"
    assert rates.convert(Decimal("1234.5"), locked) == Decimal("1234.50")
    assert _rows() == []


def test_zero_decimal_currency_and_one_the_ecb_does_not_publish(ctx, ecb):
    """EUR -> JPY rounds to whole yen; KWD (not published by the ECB) is refused with a
    sentence naming it, either way round."""
    rates.refresh_rates()
    locked = rates.lock_rate("EUR", "JPY")
    assert rates.convert(Decimal("10.00"), locked) == Decimal("1625")  # 1624.5, half up
    for pair in (("JPY", "KWD"), ("KWD", "EUR")):
        with pytest.raises(rates.RateUnknown) as refused:
            rates.lock_rate(*pair)
        assert "KWD" in refused.value.message
        assert "European Central Bank publishes no reference rate" in refused.value.message


def test_first_lock_reads_the_rates_itself(ctx, ecb):
    """With no rates ever stored, locking a rate reads them once first."""
    assert rates.lock_rate("EUR", "USD").rate == Decimal("1.0823")
    assert len(_rows()) == len(DEFAULT_RATES)


def test_rates_last_read_over_48_hours_ago_are_refused(ctx, ecb):
    """Rates Relay last read more than 48 h ago refuse a conversion, saying when they are from;
    47 hours is still fine."""
    rates.refresh_rates()
    db.session.execute(update(ExchangeRate).values(fetched_at=utcnow() - timedelta(hours=47)))
    db.session.commit()
    assert rates.lock_rate("USD", "HUF").rate > 0
    db.session.execute(update(ExchangeRate).values(fetched_at=utcnow() - timedelta(hours=49)))
    db.session.commit()
    with pytest.raises(rates.RatesStale) as refused:
        rates.lock_rate("USD", "HUF")
    assert "out of date" in refused.value.message
    assert date.today().isoformat() in refused.value.message


def test_a_weekend_gap_is_fine_but_an_old_reference_day_is_stale(ctx, ecb):
    """Friday's rates read on Monday are the right ones (the ECB does not publish on weekends);
    a source still serving a day over 6 days old is refused though it was read just now."""
    ecb.control(date=(date.today() - timedelta(days=3)).isoformat())
    rates.refresh_rates()
    assert rates.lock_rate("EUR", "GBP").rate == Decimal("0.8465")
    db.session.execute(ExchangeRate.__table__.delete())
    db.session.commit()
    ecb.control(date=(date.today() - timedelta(days=10)).isoformat())
    rates.refresh_rates()
    with pytest.raises(rates.RatesStale):
        rates.lock_rate("EUR", "GBP")


def test_source_down_keeps_using_fresh_stored_rates(ctx, ecb):
    """The stand-in answering 503 (or not at all): a refresh fails with RatesUnavailable, and
    the rates stored earlier are still used while they are fresh."""
    rates.refresh_rates()
    ecb.control(status=503)
    with pytest.raises(RatesUnavailable):
        rates.refresh_rates()
    with pytest.raises(RatesUnavailable):
        fetch_daily("http://127.0.0.1:9/stats/eurofxref/eurofxref-daily.xml")  # nothing there
    assert rates.lock_rate("EUR", "USD").rate == Decimal("1.0823")


def test_first_lock_with_the_source_down_is_refused(ctx, ecb):
    """No rates stored and none readable: refused with a clear sentence, not a 500."""
    ecb.control(status=503)
    with pytest.raises(rates.RatesStale) as refused:
        rates.lock_rate("EUR", "USD")
    assert "could not be read yet" in refused.value.message


@pytest.mark.attack
@pytest.mark.parametrize(
    "body",
    [
        "<Cube><Cube time='2026-12-07'",  # truncated
        "<html><body>Maintenance</body></html>",  # not the ECB's document
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><lol>&lol;</lol>',
        '<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        "<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' "
        "xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'><Cube><Cube time='2026-12-07'>"
        "<Cube currency='USD' rate='-1'/></Cube></Cube></gesmes:Envelope>",
    ],
)
def test_malformed_documents_are_refused_and_store_nothing(ctx, ecb, body):
    """A malformed, foreign or DTD-bearing document is refused (RatesUnavailable) before
    anything is stored or expanded."""
    ecb.control(body=body)
    with pytest.raises(RatesUnavailable):
        rates.refresh_rates()
    assert _rows() == []


def test_refresh_job_stores_rates_and_survives_the_source_down(ctx, ecb):
    """The periodic job stores the rates when the source answers and, when it does not, says
    so and re-arms itself instead of failing."""
    assert "rates of" in rates_job.refresh()
    ecb.control(status=500)
    assert rates_job.refresh().startswith("not refreshed")
    assert len(_rows()) == len(DEFAULT_RATES)


def test_the_refresh_job_run_by_a_worker_stores_rates_and_stays_armed(ctx, ecb, run_worker):
    """A real worker runs the refresh job: the rates are stored, and the next refresh is
    waiting under the same job id (so arming it again at worker start adds no second one)."""
    rates_job.refresh.enqueue()
    run_worker()
    db.session.expire_all()
    assert len(_rows()) == len(DEFAULT_RATES)
    assert rates_job.is_scheduled()
    assert rates_job.arm() is False
