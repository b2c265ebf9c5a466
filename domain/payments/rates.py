"""Exchange rates: the European Central Bank's daily reference rates, stored per day, and a rate
locked for one payment (the shop-currency figure of a supplier payment).

The ECB publishes units per euro; any other pair is a cross rate through the euro. A currency
the ECB does not publish (KWD, AED, ...) is refused: Relay never guesses a conversion.

When are stored rates too old to use? Two rules, both must hold:
- Relay read them from the source within the last 48 hours (issue 15). The age is measured
  from Relay's last successful read, not from the reference date, because the ECB does not
  publish on weekends and TARGET holidays: on a Monday morning the newest reference date is
  Friday's, three days back, and those are still the right rates to use.
- The reference date is at most 6 days old. A source that keeps answering with an old day
  (a stuck mirror, a cache) would otherwise look fresh for ever; the ECB's longest pause (Good
  Friday to Easter Monday, or Christmas next to a weekend) leaves the newest day 5 days back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.clock import aware, utcnow
from domain.errors import DomainError
from domain.models.payments import ExchangeRate
from domain.money.amounts import round_to_currency
from domain.transaction import unit_of_work
from extensions import db
from integrations.exchange_rates import DailyRates, RatesUnavailable, fetch_daily

__all__ = [
    "LockedRate",
    "RateUnknown",
    "RatesStale",
    "RatesUnavailable",
    "convert",
    "lock_rate",
    "refresh_rates",
]

STALE_AFTER = timedelta(hours=48)
MAX_REFERENCE_AGE = timedelta(days=6)
EURO = "EUR"
SAME_CURRENCY = "same currency"
# The scale SupplierPayment.rate keeps (Numeric(20, 10)): the rate used is the rate stored.
RATE_PLACES = Decimal("1e-10")


class RatesStale(DomainError):
    """The stored rates are too old to use (or none could ever be read)."""


class RateUnknown(DomainError):
    """The ECB publishes no rate for this currency."""


@dataclass(frozen=True)
class LockedRate:
    rate: Decimal  # units of `to_currency` per unit of `from_currency`
    rate_date: str  # the reference date, YYYY-MM-DD
    source: str
    from_currency: str
    to_currency: str


def refresh_rates() -> DailyRates:
    """Read today's rates from the source and store them (their day's rows are updated in
    place: refreshing twice changes nothing but the time they were last read)."""
    daily = fetch_daily(current_app.config["ECB_RATES_URL"])
    _store(daily)
    return daily


@unit_of_work
def _store(daily: DailyRates) -> None:
    """One upsert for the day: two refreshes racing (the job, a first lock_rate) both land."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    statement = insert(ExchangeRate.__table__).values(
        [
            dict(
                rate_date=daily.date,
                currency=currency,
                per_euro=per_euro,
                source=daily.source,
                fetched_at=now,
            )
            for currency, per_euro in daily.per_euro.items()
        ]
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["rate_date", "currency"],
            set_={
                "per_euro": statement.excluded.per_euro,
                "source": statement.excluded.source,
                "fetched_at": statement.excluded.fetched_at,
            },
        )
    )


def lock_rate(from_currency: str, to_currency: str) -> LockedRate:
    """The rate to use now for one payment, from the newest stored day."""
    from_currency, to_currency = from_currency.upper(), to_currency.upper()
    if from_currency == to_currency:
        today = utcnow().date().isoformat()
        return LockedRate(Decimal(1), today, SAME_CURRENCY, from_currency, to_currency)
    newest = _newest_day()
    if newest is None:
        _refresh_first_time()
        newest = _newest_day()
    rate_date, last_read = newest
    _refuse_if_stale(rate_date, last_read)
    per_euro, source = _per_euro(rate_date, {from_currency, to_currency} - {EURO})
    for currency in (from_currency, to_currency):
        if currency not in per_euro:
            raise RateUnknown(_unknown_message(currency, from_currency, to_currency))
    rate = (per_euro[to_currency] / per_euro[from_currency]).quantize(
        RATE_PLACES, rounding=ROUND_HALF_UP
    )
    return LockedRate(rate, rate_date, source, from_currency, to_currency)


def convert(amount: Decimal, locked: LockedRate) -> Decimal:
    """`amount` in the locked rate's source currency, in its target currency, rounded to the
    target's decimal places (JPY 0, KWD 3)."""
    return round_to_currency(amount * locked.rate, locked.to_currency)


def _newest_day() -> tuple[str, datetime] | None:
    """(the newest reference date stored, when Relay last read rates from the source)."""
    newest_date, last_read = db.session.execute(
        select(func.max(ExchangeRate.rate_date), func.max(ExchangeRate.fetched_at))
    ).one()
    return None if newest_date is None else (newest_date, aware(last_read))


def _refresh_first_time() -> None:
    try:
        refresh_rates()
    except RatesUnavailable as exc:
        raise RatesStale(
            gettext(
                "Exchange rates could not be read yet; Relay will not guess a conversion. "
                "Try again once rates refresh."
            )
        ) from exc


def _refuse_if_stale(rate_date: str, last_read: datetime) -> None:
    now = utcnow()
    too_old = now - last_read > STALE_AFTER
    reference_age = now.date() - date.fromisoformat(rate_date)
    if too_old or reference_age > MAX_REFERENCE_AGE:
        raise RatesStale(
            gettext(
                "Exchange rates are out of date (the newest are of %(date)s, last read "
                "%(read)s); Relay will not guess a conversion. Try again once rates refresh.",
                date=rate_date,
                read=last_read.strftime("%Y-%m-%d %H:%M UTC"),
            )
        )


def _per_euro(rate_date: str, currencies: set[str]) -> tuple[dict[str, Decimal], str]:
    """Units per euro of `currencies` on that day (the euro itself is 1), and their source."""
    rows = db.session.execute(
        select(ExchangeRate.currency, ExchangeRate.per_euro, ExchangeRate.source).where(
            ExchangeRate.rate_date == rate_date, ExchangeRate.currency.in_(currencies)
        )
    ).all()
    per_euro = {currency: Decimal(value) for currency, value, _source in rows}
    per_euro[EURO] = Decimal(1)
    return per_euro, rows[0].source if rows else ""


def _unknown_message(currency: str, from_currency: str, to_currency: str) -> str:
    return gettext(
        "Relay cannot convert %(source)s to %(target)s: the European Central Bank publishes "
        "no reference rate for %(currency)s.",
        source=from_currency,
        target=to_currency,
        currency=currency,
    )
