"""The linear-trend forecast with its 95 % prediction interval, on series computed by hand."""

from __future__ import annotations

import math

import pytest

from app.dashboard import forecast


def test_an_exact_line_is_extended_with_no_uncertainty() -> None:
    result = forecast.linear([60.0, 70.0, 80.0])
    assert result is not None
    assert (result.slope, result.intercept, result.value) == (10.0, 60.0, 90.0)
    assert result.lower == pytest.approx(90.0) and result.upper == pytest.approx(90.0)


def test_a_noisy_series_gets_the_t_interval() -> None:
    # y = 60, 64, 71, 73 at x = 0..3: x̄ = 1.5, ȳ = 67, Sxx = 5, Sxy = (−1.5)(−7)+(−0.5)(−3)+(0.5)(4)+(1.5)(6) = 23
    # b = 4.6, a = 67 − 4.6×1.5 = 60.1; ŷ(4) = 78.5
    # fitted 60.1, 64.7, 69.3, 73.9 → residuals −0.1, −0.7, 1.7, −0.9 → SSE = 0.01+0.49+2.89+0.81 = 4.2
    # s = √(4.2/2) = 1.449; factor √(1 + 1/4 + 2.5²/5) = √2.5 = 1.581; t(0.975, 2) = 4.303
    # half width = 4.303 × 1.449 × 1.581 = 9.861
    result = forecast.linear([60.0, 64.0, 71.0, 73.0])
    assert result is not None
    assert result.slope == pytest.approx(4.6) and result.intercept == pytest.approx(60.1)
    assert result.value == pytest.approx(78.5)
    half = 4.303 * math.sqrt(2.1) * math.sqrt(2.5)
    assert result.lower == pytest.approx(78.5 - half) and result.upper == pytest.approx(78.5 + half)
    assert round(half, 2) == 9.86
    assert result.as_dict()["lower"] == 68.6 and result.as_dict()["upper"] == 88.4


def test_two_points_give_a_value_without_interval_one_gives_nothing() -> None:
    result = forecast.linear([70.0, 75.0])
    assert result is not None and result.value == 80.0 and result.lower is None and result.upper is None
    assert forecast.linear([70.0]) is None and forecast.linear([]) is None


def test_the_forecast_stays_within_the_score_range() -> None:
    result = forecast.linear([80.0, 90.0, 99.0])
    assert result is not None and result.value == 100.0 and result.clipped
    assert result.upper == 100.0


def test_t_quantiles() -> None:
    assert forecast.t_quantile(1) == 12.706 and forecast.t_quantile(30) == 2.042 and forecast.t_quantile(200) == 1.96
