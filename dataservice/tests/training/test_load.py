"""Training load per run: Banister's TRIMP and the pace-based load, with reference values
worked by hand from the published formulas."""

from __future__ import annotations

import math

import pytest

from dataservice.training import load


class TestTrimp:
    def test_banisters_worked_example_for_a_man(self) -> None:
        """30 min at 150 bpm, rest 60, max 190: ΔHRr = 90/130 = 0.692308;
        e^(1.92 × 0.692308) = e^1.329231 = 3.778136;
        TRIMP = 30 × 0.692308 × 0.64 × 3.778136 = 50.22 (Banister 1991)."""
        reserve = load.hrr(150, 190, 60)
        assert reserve == pytest.approx(0.692308, abs=1e-6)
        assert load.trimp(30, reserve, load.MALE) == pytest.approx(50.22, abs=0.01)

    def test_banisters_worked_example_for_a_woman(self) -> None:
        """The same run with the women's constants: e^(1.67 × 0.692308) = e^1.156154 =
        3.177688; TRIMP = 30 × 0.692308 × 0.86 × 3.177688 = 56.76."""
        assert load.trimp(30, load.hrr(150, 190, 60), load.FEMALE) == pytest.approx(56.76, abs=0.01)

    def test_stored_loads_use_runalyzes_constants_for_an_unknown_sex(self) -> None:
        """Runalyze without a gender: A = 0.725215, B = 1.795; an hour at ΔHRr 0.5:
        60 × 0.5 × 0.725215 × e^0.8975 = 21.75645 × 2.453462 = 53.38."""
        assert load.trimp(60, 0.5) == pytest.approx(53.38, abs=0.01)

    def test_a_stream_sums_each_sample_interval(self) -> None:
        """Ten minutes at 150 then ten at 170 (rest 60, max 190), one sample a second:
        TRIMP(10 min, 90/130) + TRIMP(10 min, 110/130), the last sample ending the run."""
        times = list(range(1201))
        rates = [150.0] * 600 + [170.0] * 601
        expected = load.trimp(10, 90 / 130) + load.trimp(10, 110 / 130)
        assert load.trimp_of_samples(times, rates, 190, 60) == pytest.approx(expected)

    def test_a_paused_watch_and_missing_samples_add_nothing(self) -> None:
        times = [0, 1, 2, 600, 601]  # ten minutes paused between 2 and 600
        rates = [150.0, None, 150.0, 150.0, 150.0]
        expected = load.trimp(2 / 60, 90 / 130)  # 0→1 and 600→601
        assert load.trimp_of_samples(times, rates, 190, 60) == pytest.approx(expected)
        assert load.trimp_of_samples([0, 1], [None, None], 190, 60) is None

    def test_a_rate_outside_rest_and_max_is_held_within(self) -> None:
        assert load.hrr(40, 190, 60) == 0.0
        assert load.hrr(200, 190, 60) == 1.0


class TestPaceLoad:
    def test_an_hour_at_threshold_weighs_as_an_hour_at_threshold_heart_rate(self) -> None:
        """rTSS 100 scaled by TRIMP(60 min, 0.88) / 100 =
        60 × 0.88 × 0.725215 × e^(1.795 × 0.88) / 100 = 38.291352 × 4.853014 / 100
        = 1.858285."""
        scale = load.PACE_SCALE
        assert scale == pytest.approx(1.8583, abs=1e-4)
        assert load.pace_load(3600, 15000, 240) == pytest.approx(185.83, abs=0.01)

    def test_slower_than_threshold_weighs_the_square_of_the_speed_ratio(self) -> None:
        """An hour at 5:00/km with threshold 4:00/km: IF = 240/300 = 0.8; 0.64 × 185.83."""
        assert load.pace_load(3600, 12000, 240) == pytest.approx(0.64 * 185.83, abs=0.01)

    def test_daniels_t_pace_stands_in_for_a_threshold(self) -> None:
        """VDOT 50: Daniels' T pace is 4:15/km (Daniels' Running Formula, table)."""
        assert load.threshold_from_vdot(50) == pytest.approx(255, abs=2)

    def test_the_scale_is_the_published_constants_at_88_percent_reserve(self) -> None:
        scale = load.PACE_SCALE
        assert scale == pytest.approx(60 * 0.88 * 0.725215 * math.exp(1.795 * 0.88) / 100)
