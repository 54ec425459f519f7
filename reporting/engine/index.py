"""The index: each indicator of the current definitions computed by its source rule and scored, grouped into
the decision's five groups (or the portal's six), with the total over the points that have data."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..models import DecisionGroup, Indicator, IndicatorSet, PortalGroup
from .aggregate import Period, Scope
from .sources import SOURCES, Context, Ratio

HUNDRED = Decimal(100)


def _round(value: Decimal | None, places: str = "0.01") -> Decimal | None:
    return None if value is None else value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def score(indicator: Indicator, rate: Decimal | None) -> Decimal | None:
    """points × rate, or points × min(1, rate / threshold) when the indicator has a threshold."""
    if rate is None:
        return indicator.points if indicator.full_when_empty else None
    if indicator.threshold:
        share = min(Decimal(1), rate / indicator.threshold)
    else:
        share = min(Decimal(1), rate / HUNDRED)
    return _round(indicator.points * share)


@dataclass
class IndicatorResult:
    indicator: Indicator
    ratio: Ratio | None
    value: Decimal | None
    points: Decimal | None

    @property
    def has_data(self) -> bool:
        return self.value is not None


@dataclass
class GroupResult:
    key: object
    label: str
    results: list[IndicatorResult] = field(default_factory=list)

    @property
    def max_points(self) -> Decimal:
        return sum((r.indicator.points for r in self.results), Decimal(0))

    @property
    def points(self) -> Decimal | None:
        scored = [r.points for r in self.results if r.points is not None]
        return sum(scored, Decimal(0)) if scored else None

    @property
    def points_with_data(self) -> Decimal:
        return sum((r.indicator.points for r in self.results if r.points is not None), Decimal(0))


@dataclass
class IndexResult:
    indicator_set: IndicatorSet | None
    groups: list[GroupResult]

    @property
    def results(self) -> list[IndicatorResult]:
        return [r for g in self.groups for r in g.results]

    @property
    def points(self) -> Decimal | None:
        scored = [g.points for g in self.groups if g.points is not None]
        return sum(scored, Decimal(0)) if scored else None

    @property
    def max_points(self) -> Decimal:
        return sum((g.max_points for g in self.groups), Decimal(0))

    @property
    def points_with_data(self) -> Decimal:
        return sum((g.points_with_data for g in self.groups), Decimal(0))

    def result(self, code: str) -> IndicatorResult | None:
        return next((r for r in self.results if r.indicator.code == code), None)


def indicators(indicator_set: IndicatorSet | None = None) -> tuple[IndicatorSet | None, list[Indicator]]:
    indicator_set = indicator_set or IndicatorSet.objects.current()
    if indicator_set is None:
        return None, []
    return indicator_set, list(indicator_set.indicators.all())


def compute(scope: Scope, period: Period, *, portal_groups: bool = False) -> IndexResult:
    indicator_set, rows = indicators()
    context = Context(scope=scope, period=period)
    if portal_groups:
        groups = {key: GroupResult(key, str(label)) for key, label in PortalGroup.choices}
    else:
        groups = {key: GroupResult(key, str(label)) for key, label in DecisionGroup.choices}
    for indicator in rows:
        ratio = SOURCES.get(indicator.source, SOURCES["surveys"])(context)
        rate = ratio.rate if ratio is not None else None
        if indicator.unit != "%" and ratio is not None and ratio.denominator:
            rate = Decimal(ratio.numerator) / Decimal(ratio.denominator)
        value = _round(rate)
        points = score(indicator, rate) if ratio is not None and indicator.unit == "%" else None
        if indicator.points == 0:
            points = None if value is None else Decimal(0)
        key = indicator.portal_group if portal_groups else indicator.group
        groups[key].results.append(IndicatorResult(indicator, ratio, value, points))
    return IndexResult(indicator_set, [g for g in groups.values() if g.results])
