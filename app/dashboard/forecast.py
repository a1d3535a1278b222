"""Forecast of the next period of a short series of scores: ordinary least squares linear trend with a
95 % prediction interval. Pure functions, no database.

Method (documented on the dashboard, as here):
- x = 0, 1, …, n−1 are the periods (assessment rounds) in order, equally spaced; y their scores.
- Fit y = a + b·x by least squares; the forecast for the next period x₀ = n is ŷ = a + b·n.
- Residual standard error s = √(SSE / (n−2)); the 95 % prediction interval is
  ŷ ± t(0.975, n−2) · s · √(1 + 1/n + (x₀ − x̄)² / Sxx), with Student's t (it is wide for short series,
  as it should be).
- n = 2: the line through both points gives ŷ, but there is no interval (no degrees of freedom left);
  n < 2: no forecast. Scores live in [lower, upper] (0–100): the forecast and the interval are clipped
  to it and the result says so."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Two-sided 95 % quantiles of Student's t (0.975) by degrees of freedom; beyond 30 the normal 1.96.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
        20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
        29: 2.045, 30: 2.042}
METHOD = ("线性趋势外推：以各考核轮次为等间隔时期，最小二乘拟合 y = a + b·x，预测下一期 ŷ = a + b·n；"
          "95% 预测区间为 ŷ ± t(0.975, n−2)·s·√(1 + 1/n + (n − x̄)²/Sxx)，s 为残差标准误。"
          "少于 3 期时不给区间，少于 2 期时不预测；结果截取在 0–100 分之间。")


def t_quantile(df: int) -> float:
    return T975.get(df, 1.96) if df >= 1 else math.nan


@dataclass(frozen=True)
class Forecast:
    n: int
    slope: float
    intercept: float
    value: float  # the forecast of the next period
    lower: float | None  # 95 % prediction interval (None with fewer than 3 points)
    upper: float | None
    clipped: bool  # the forecast or its interval was cut to the score range

    def as_dict(self) -> dict[str, float | int | bool | None]:
        return {"n": self.n, "slope": round(self.slope, 3), "intercept": round(self.intercept, 3),
                "value": round(self.value, 1), "lower": None if self.lower is None else round(self.lower, 1),
                "upper": None if self.upper is None else round(self.upper, 1), "clipped": self.clipped}


def linear(values: list[float], *, lower_bound: float = 0.0, upper_bound: float = 100.0) -> Forecast | None:
    """The next value of `values` (oldest first) with its 95 % prediction interval; None if n < 2."""
    n = len(values)
    if n < 2:
        return None
    xs = list(range(n))
    x_mean, y_mean = sum(xs) / n, sum(values) / n
    sxx = sum((x - x_mean) ** 2 for x in xs)
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, values, strict=True)) / sxx
    intercept = y_mean - slope * x_mean
    x0 = n
    value = intercept + slope * x0
    low = high = None
    if n >= 3:
        sse = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, values, strict=True))
        s = math.sqrt(sse / (n - 2))
        half = t_quantile(n - 2) * s * math.sqrt(1 + 1 / n + (x0 - x_mean) ** 2 / sxx)
        low, high = value - half, value + half

    def clip(v: float) -> float:
        return min(upper_bound, max(lower_bound, v))

    clipped = any(v is not None and clip(v) != v for v in (value, low, high))
    return Forecast(n=n, slope=slope, intercept=intercept, value=clip(value),
                    lower=None if low is None else clip(low), upper=None if high is None else clip(high),
                    clipped=clipped)
