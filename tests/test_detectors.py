"""The anomaly detectors: LSTMAutoencoderOutlierDetector and LSTMAutoencoderSeriesDetector."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_outlier_detector
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold

import sklearn_lstmae
import sklearn_lstmae._series_detector as series_module
from sklearn_lstmae import (
    LSTMAutoencoderOutlierDetector,
    LSTMAutoencoderSeriesDetector,
    make_windows,
)
from sklearn_lstmae._detectors import (
    ErrorModel,
    step_scores,
    threshold_for,
)
from sklearn_lstmae._series_detector import (
    dominant_period,
    window_start_blocks,
    window_starts,
    windows_to_points,
)

from ._helpers import TINY, make_sequences

SPIKE = 6.0


def with_spike(X, step):
    """``X`` with a large spike at ``step`` of every sequence (every feature)."""
    X = np.array(X, dtype=np.float64)
    X[:, step] += SPIKE
    return X


@pytest.fixture(scope="module")
def normal():
    return make_sequences(n_samples=40, n_timesteps=12, n_features=2)


@pytest.fixture(scope="module")
def detector(normal):
    return LSTMAutoencoderOutlierDetector(**{**TINY, "epochs": 30}).fit(normal)


@pytest.fixture(scope="module")
def mahalanobis_detector(normal):
    return LSTMAutoencoderOutlierDetector(**TINY, anomaly_score="mahalanobis").fit(normal)


def make_series(n_points=400, seed=0):
    """Two channels with shared periodic structure (period 20), a little noise."""
    rng = np.random.RandomState(seed)
    time = np.arange(n_points)
    base = np.sin(2 * np.pi * time / 20)
    noise = 0.05 * rng.standard_normal((n_points, 2))
    return np.stack([base, 0.5 * base + np.cos(2 * np.pi * time / 20)], axis=1) + noise


@pytest.fixture(scope="module")
def series():
    return make_series()


@pytest.fixture(scope="module")
def series_detector(series):
    # Scored every 3 points, as it trained: ties between window starts, tested below.
    return LSTMAutoencoderSeriesDetector(
        window_size=10, stride=3, score_stride=3, **{**TINY, "epochs": 30}
    ).fit(series)


# -- the collection detector -------------------------------------------------------
def test_score_direction(detector, normal):
    odd = with_spike(normal[:5], step=6)
    assert detector.score_samples(odd).max() < detector.score_samples(normal[:5]).min()
    assert (detector.predict(odd) == -1).all()
    np.testing.assert_allclose(
        detector.decision_function(odd), detector.score_samples(odd) - detector.offset_
    )


def test_mahalanobis_score_direction(mahalanobis_detector, normal):
    odd = with_spike(normal[:5], step=3)
    scores = mahalanobis_detector.score_samples(odd)
    assert scores.max() < mahalanobis_detector.score_samples(normal[:5]).min()


@pytest.mark.parametrize("contamination", [0.05, 0.1, 0.25, 0.5])
def test_contamination_sets_the_share_flagged_on_training_data(
    detector, mahalanobis_detector, normal, contamination
):
    for fitted in (detector, mahalanobis_detector):
        anomaly = -fitted.score_samples(normal)
        # What fit does with these training scores, for each contamination.
        offset = -threshold_for(anomaly, contamination)
        flagged = np.mean(fitted.score_samples(normal) - offset < 0)
        assert abs(flagged - contamination) <= 1 / len(normal)


def test_contamination_through_fit(normal):
    fitted = LSTMAutoencoderOutlierDetector(**TINY, contamination=0.2).fit(normal)
    assert abs(np.mean(fitted.predict(normal) == -1) - 0.2) <= 1 / len(normal)
    labels = clone(fitted).fit_predict(normal)
    np.testing.assert_array_equal(labels, fitted.predict(normal))


def test_auto_contamination_is_tukeys_fence(detector, normal):
    anomaly = -detector.score_samples(normal)
    q1, q3 = np.percentile(anomaly, [25, 75], method="inverted_cdf")
    assert detector.offset_ == pytest.approx(-(q3 + 1.5 * (q3 - q1)))


def test_threshold_weights_act_as_repetitions():
    rng = np.random.RandomState(0)
    scores = rng.standard_normal(30)
    weights = rng.randint(1, 4, size=30)
    for contamination in (0.1, 0.3, "auto"):
        weighted = threshold_for(scores, contamination, weights.astype(float))
        repeated = threshold_for(np.repeat(scores, weights), contamination)
        assert weighted == pytest.approx(repeated)


def test_error_model_is_the_gaussian_of_the_absolute_errors():
    rng = np.random.RandomState(0)
    residuals = rng.standard_normal((6, 5, 3)) * [1.0, 2.0, 0.5]
    residuals[0, 3:] = np.nan  # padding counts for nothing
    mean, precision = ErrorModel(3).add(residuals[:4]).add(residuals[4:]).finish()
    errors = np.abs(residuals).reshape(-1, 3)
    errors = errors[~np.isnan(errors).any(axis=1)]
    np.testing.assert_allclose(mean, errors.mean(axis=0))
    covariance = np.cov(errors, rowvar=False, bias=True)
    np.testing.assert_allclose(np.linalg.inv(precision), covariance, rtol=1e-4, atol=1e-8)
    scores = step_scores(residuals, "mahalanobis", mean, precision)
    assert scores.shape == (6, 5) and np.isnan(scores[0, 3:]).all()
    deviation = np.abs(residuals[1, 2]) - mean
    expected = deviation @ np.linalg.inv(covariance) @ deviation
    assert scores[1, 2] == pytest.approx(expected, rel=1e-4)  # a 1e-6 ridge


def test_reconstruction_error_per_step_and_feature(detector, normal):
    errors = detector.reconstruction_error(normal[:3])
    assert errors.shape == (3, 12, 2) and (errors >= 0).all()
    rebuilt = detector.reconstruct(normal[:3])
    np.testing.assert_allclose(errors, np.abs(normal[:3] - rebuilt), rtol=1e-5, atol=1e-6)
    standardized = detector.reconstruction_error(normal[:3], standardized=True)
    np.testing.assert_allclose(standardized * detector._scales[0], errors, rtol=1e-6)
    # The error of the spike is where the spike is.
    spiked = detector.reconstruction_error(with_spike(normal[:3], step=6))
    assert (spiked.sum(axis=2).argmax(axis=1) == 6).all()


def test_ragged_and_nan_padded_collections(detector, normal):
    lengths = [12, 7, 9, 4]
    ragged = [sequence[:length] for sequence, length in zip(normal[:4], lengths)]
    padded = np.full((4, 12, 2), np.nan)
    for row, sequence in enumerate(ragged):
        padded[row, : len(sequence)] = sequence
    from_list = detector.score_samples(ragged)
    np.testing.assert_allclose(detector.score_samples(padded), from_list)
    # A sequence's score does not depend on the others or on the padding.
    alone = [detector.score_samples([sequence])[0] for sequence in ragged]
    np.testing.assert_allclose(from_list, alone, rtol=1e-5)
    errors = detector.reconstruction_error(ragged)
    assert [len(e) for e in errors] == lengths
    padded_errors = detector.reconstruction_error(padded)
    assert np.isnan(padded_errors[1, 7:]).all() and not np.isnan(padded_errors[1, :7]).any()
    assert detector.predict(ragged).shape == (4,)


def test_dataframe_of_univariate_sequences():
    frame = pd.DataFrame(
        make_sequences(n_samples=30, n_features=1)[:, :, 0],
        columns=[f"t{i}" for i in range(12)],
    )
    fitted = LSTMAutoencoderOutlierDetector(**TINY).fit(frame)
    assert list(fitted.feature_names_in_) == list(frame.columns)
    assert fitted.score_samples(frame).shape == (30,)
    assert fitted.reconstruction_error(frame).shape == (30, 12)


def test_grid_search_with_a_scorer_on_labelled_data(normal):
    X = np.concatenate([normal, with_spike(normal[:8], step=5)])
    y = np.r_[np.ones(len(normal)), -np.ones(8)].astype(int)
    search = GridSearchCV(
        LSTMAutoencoderOutlierDetector(**TINY),
        {"contamination": [0.05, 0.3]},
        scoring=make_scorer(f1_score, pos_label=-1),
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_score_ == scores.max() > 0.5
    assert search.predict(X).shape == (len(X),)


@pytest.mark.parametrize("make_detector", ["detector", "mahalanobis_detector"])
def test_collection_detector_save_load_pickle_clone(make_detector, normal, tmp_path, request):
    fitted = request.getfixturevalue(make_detector)
    odd = with_spike(normal[:4], step=2)
    loaded = sklearn_lstmae.load(fitted.save(tmp_path / "detector.lstmae"))
    unpickled = pickle.loads(pickle.dumps(fitted))
    for copy in (loaded, unpickled):
        assert type(copy) is LSTMAutoencoderOutlierDetector
        assert copy.offset_ == fitted.offset_
        np.testing.assert_array_equal(copy.score_samples(odd), fitted.score_samples(odd))
    assert clone(fitted).get_params() == fitted.get_params()


@pytest.mark.parametrize("contamination", [0, 0.6, -0.1, 1.0, "often", None, True])
def test_contamination_out_of_range(contamination, normal, series):
    with pytest.raises(ValueError, match=r"contamination must be 'auto' or a number in \(0, 0.5\]"):
        LSTMAutoencoderOutlierDetector(**TINY, contamination=contamination).fit(normal)
    with pytest.raises(ValueError, match="contamination must be"):
        LSTMAutoencoderSeriesDetector(10, **TINY, contamination=contamination).fit(series)


def test_bad_anomaly_score(normal):
    with pytest.raises(ValueError, match="anomaly_score must be one of"):
        LSTMAutoencoderOutlierDetector(anomaly_score="mse").fit(normal)


# -- the series detector ----------------------------------------------------------
def test_the_default_stride_covers_every_point_even_at_the_smallest_window(series):
    detector = LSTMAutoencoderSeriesDetector(2, **TINY).fit(series[:60])
    assert (detector.stride, detector.score_stride) == (2, 1)
    detector.set_params(score_stride=2)
    for n_points in (2, 3, 60, 61):  # even and odd: an odd length needs the last window
        scores = detector.score_timesteps(series[:n_points])
        assert scores.shape == (n_points,) and np.isfinite(scores).all()


def test_one_score_per_time_point(series_detector, series):
    for n_points in (10, 11, 57, 400, 401):  # window 10, stride 3: some leave a tail
        longer = np.resize(series, (n_points, 2))
        scores = series_detector.score_timesteps(longer)
        assert scores.shape == (n_points,) and np.isfinite(scores).all()
        assert series_detector.predict(longer).shape == (n_points,)


def loop_reference(window_scores, starts, window_size, n_points, reduction):
    """Each point's scores collected window by window, then reduced: the slow, plain way."""
    collected = [[] for _ in range(n_points)]
    for start, scores in zip(starts, window_scores):
        for offset in range(window_size):
            score = scores if np.ndim(scores) == 0 else scores[offset]
            collected[start + offset].append(score)
    reduce = {
        "mean": np.mean,
        "gmean": lambda values: np.exp(np.mean(np.log(values))),
        "hmean": lambda values: len(values) / np.sum(np.reciprocal(values)),
        "max": np.max,
        "min": np.min,
    }[reduction]
    return np.array([reduce(values) for values in collected])


@pytest.mark.parametrize("reduction", ["mean", "gmean", "hmean", "max", "min"])
@pytest.mark.parametrize("per_step", [False, True])
@pytest.mark.parametrize(
    ("n_points", "window_size", "stride"), [(50, 7, 1), (53, 10, 4), (9, 9, 2)]
)
def test_window_to_point_mapping_against_a_loop(reduction, per_step, n_points, window_size, stride):
    starts = window_starts(n_points, window_size, stride)
    rng = np.random.RandomState(n_points + window_size)
    shape = (len(starts), window_size) if per_step else (len(starts),)
    scores = rng.standard_normal(shape)
    if reduction in ("gmean", "hmean"):
        scores = np.exp(scores)  # errors: positive, spread over orders of magnitude
    expected = loop_reference(scores, starts, window_size, n_points, reduction)
    got = windows_to_points(scores, starts, window_size, n_points, reduction)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("n_points", "window_size", "stride"),
    [(61, 10, 4), (60, 10, 5), (10, 10, 3), (100, 7, 1), (15, 10, 7)],
)
def test_window_starts_made_block_by_block(n_points, window_size, stride):
    # Scoring makes the starts a block at a time (flat memory); together they are every
    # stride-th start and one more that ends at the last point, each once, in order.
    expected = list(range(0, n_points - window_size + 1, stride))
    if expected[-1] != n_points - window_size:
        expected.append(n_points - window_size)
    np.testing.assert_array_equal(window_starts(n_points, window_size, stride), expected)
    for per_block in (1, 3, 1000):
        blocks = list(window_start_blocks(n_points, window_size, stride, per_block))
        assert all(0 < len(block) <= per_block for block in blocks)
        np.testing.assert_array_equal(np.concatenate(blocks), expected)


@pytest.mark.parametrize("reduction", ["hmean", "gmean", "mean"])
@pytest.mark.parametrize("score_level", ["window", "step"])
def test_series_scores_against_a_loop_over_windows(series_detector, series, score_level, reduction):
    detector = pickle.loads(pickle.dumps(series_detector)).set_params(
        score_level=score_level, reduction=reduction
    )
    test = series[:100].copy()
    test[50] += 3.0
    scores = detector.score_timesteps(test)
    starts = window_starts(100, 10, 3)
    window_errors = [
        step_scores(detector._standardized_errors(test[None, s : s + 10]), "error")[0]
        for s in starts
    ]
    if score_level == "window":
        window_errors = [errors.mean() for errors in window_errors]
    expected = loop_reference(window_errors, starts, 10, 100, reduction)
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    assert 45 <= np.argmax(scores) <= 55


@pytest.mark.parametrize("score_stride", [1, 2])
def test_series_contamination_share_flagged_on_training_data(series, score_stride):
    # score_stride=1 (the default): every point is covered by its own set of windows, so scores
    # do not tie. 2 with an even window: neighbouring points share their windows in pairs, so a
    # threshold may fall inside a pair, one point off.
    fitted = LSTMAutoencoderSeriesDetector(
        10, score_stride=score_stride, contamination=0.01, **TINY
    ).fit(series)
    for contamination in (0.01, 0.1, 0.5):
        if contamination != fitted.contamination:  # the same network, another threshold
            fitted.threshold_ = threshold_for(fitted.score_timesteps(series), contamination)
        flagged = np.mean(fitted.predict(series) == -1)
        assert abs(flagged - contamination) <= 1 / len(series)
    labels = clone(fitted).fit_predict(series)
    np.testing.assert_array_equal(labels, clone(fitted).fit(series).predict(series))


def test_series_contamination_with_ties_flags_tied_points_together(series_detector, series):
    # stride=3 and scores per window: the points between two window starts tie.
    scores = series_detector.score_timesteps(series)
    threshold = threshold_for(scores, 0.1)
    flagged = scores > threshold
    assert not np.any(np.isin(scores[flagged], scores[~flagged]))
    assert abs(flagged.mean() - 0.1) <= 3 / len(series)


def test_series_score_level_and_reduction(series_detector, series):
    params = series_detector.get_params()
    for extra in ({"score_level": "step"}, {"reduction": "max"}, {"reduction": "min"}):
        # Same network: these parameters only change how scores are put together.
        other = pickle.loads(pickle.dumps(series_detector)).set_params(**extra)
        scores = other.score_timesteps(series[:60])
        assert scores.shape == (60,) and np.isfinite(scores).all()
    assert series_detector.get_params() == params
    by_reduction = {
        reduction: pickle.loads(pickle.dumps(series_detector))
        .set_params(reduction=reduction)
        .score_timesteps(series)
        for reduction in ("min", "hmean", "gmean", "mean", "max")
    }
    # min <= harmonic mean <= geometric mean <= arithmetic mean <= max, point by point.
    ordered = list(by_reduction.values())
    for lower, higher in zip(ordered, ordered[1:]):
        assert (lower <= higher * (1 + 1e-9) + 1e-12).all()
    assert (by_reduction["gmean"] < by_reduction["mean"]).any()
    assert (by_reduction["hmean"] < by_reduction["gmean"]).any()


def test_geometric_mean_of_zero_scores_is_finite():
    # An exact reconstruction (error 0) counts as float32's smallest normal number.
    scores = windows_to_points(np.array([0.0, 4.0]), [0, 2], 3, 5, reduction="gmean")
    assert np.isfinite(scores).all()
    assert scores[0] == pytest.approx(np.finfo(np.float32).tiny)
    assert scores[4] == pytest.approx(4.0)
    assert 0 < scores[2] < 1e-15


@pytest.mark.parametrize("reduction", ["hmean", "gmean", "mean", "max", "min"])
@pytest.mark.parametrize("score_level", ["window", "step"])
def test_series_scores_do_not_depend_on_the_scoring_blocks(
    series_detector, series, reduction, score_level, monkeypatch
):
    # Scoring adds the windows block by block; blocks of 2 windows give the one-block scores.
    detector = pickle.loads(pickle.dumps(series_detector)).set_params(
        reduction=reduction, score_level=score_level, score_stride=1
    )
    whole = detector.score_timesteps(series)
    monkeypatch.setattr(series_module, "_BLOCK_VALUES", 2 * 10 * series.shape[1])
    assert len(list(detector._blocks(series))) == (len(series) - 10) // 2 + 1
    np.testing.assert_allclose(detector.score_timesteps(series), whole, rtol=1e-12)


def test_harmonic_mean_of_zero_scores_leaves_other_points_exact():
    # Each zero counts as float32's smallest normal number, whose reciprocal (8.5e37) is
    # never subtracted back: the points after it keep their scores to the last bit, which
    # cumulative sums of start and end markers would lose.
    scores = np.array([0.0, 1e-30, 4.0, 2.0, 3.0, 0.5])
    starts = np.arange(6) * 2
    got = windows_to_points(scores, starts, 3, 13, reduction="hmean")
    tiny = np.finfo(np.float32).tiny
    assert got[0] == pytest.approx(tiny) and got[2] == pytest.approx(2 * tiny)
    assert np.isfinite(got).all()
    expected = loop_reference(np.maximum(scores, tiny), starts, 3, 13, "hmean")
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert got[6] == 2 / (1 / 4.0 + 1 / 2.0) and got[12] == 0.5


@pytest.mark.parametrize("reduction", ["mean", "gmean", "hmean", "max", "min"])
def test_one_huge_window_score_leaves_the_other_points_exact(reduction):
    # A spike's window scores 1e300: the points it does not cover keep their scores to the
    # last bit (a cumulative sum of scores left every later point a residue of about 1e284).
    scores = np.array([1.0, 2.0, 1e300, 3.0, 0.5, 4.0, 2.0])
    starts = np.arange(7) * 2
    got = windows_to_points(scores, starts, 3, 15, reduction=reduction)
    expected = loop_reference(scores, starts, 3, 15, reduction)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert (got[7:] <= 4.0).all()


def test_an_extreme_spike_moves_only_the_scores_of_its_windows(series_detector, series):
    # A finite but extreme value (a sensor's glitch): only the points that share a window with
    # it score differently; every other point scores as without it, for every reduction.
    spiked = series.copy()
    spiked[200, 0] = 1e25
    shared = np.zeros(len(series), dtype=bool)
    shared[200 - 9 : 200 + 10] = True
    for reduction in ("mean", "gmean", "hmean", "max", "min"):
        detector = pickle.loads(pickle.dumps(series_detector)).set_params(reduction=reduction)
        clean, with_spike = detector.score_timesteps(series), detector.score_timesteps(spiked)
        assert np.isfinite(with_spike).all()
        np.testing.assert_allclose(with_spike[~shared], clean[~shared], rtol=1e-12)
        assert with_spike[200] > 1e20 * clean[200]


def test_pandas_in_and_out(series_detector, series):
    index = pd.date_range("2026-01-01", periods=len(series), freq="min")
    frame = pd.DataFrame(series, index=index, columns=["pressure", "flow"])
    # As scikit-learn's estimators do: named columns after a fit on unnamed ones are warned of.
    with pytest.warns(UserWarning, match="fitted without feature names"):
        scores = series_detector.score_timesteps(frame)
    assert isinstance(scores, pd.Series) and scores.index.equals(index)
    np.testing.assert_allclose(scores.to_numpy(), series_detector.score_timesteps(series))
    with pytest.warns(UserWarning, match="fitted without feature names"):
        labels = series_detector.predict(frame)
    assert isinstance(labels, pd.Series) and labels.index.equals(index)
    fitted = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame)
    assert list(fitted.feature_names_in_) == ["pressure", "flow"]
    assert fitted.n_features_in_ == 2
    univariate = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame["flow"])
    out = univariate.score_timesteps(frame["flow"])
    assert isinstance(out, pd.Series) and out.index.equals(index)


def test_auto_window_size_is_the_dominant_period():
    assert dominant_period(np.sin(2 * np.pi * np.arange(3000) / 37)) == 37
    assert dominant_period(np.random.RandomState(0).standard_normal(3000)) is None
    # Short noise: its autocorrelation's highest peak is chance (0.1 alone let 200 points of
    # noise show periods of 4 to 49).
    for n_points in (100, 200, 500):
        for seed in range(5):
            noise = np.random.RandomState(seed).standard_normal(n_points)
            assert dominant_period(noise) is None
    noisy_sine = np.sin(2 * np.pi * np.arange(100) / 12) + 0.3 * np.random.RandomState(0).randn(100)
    assert dominant_period(noisy_sine) == 12
    fitted = LSTMAutoencoderSeriesDetector(stride=10, **TINY).fit(make_series())
    assert fitted.window_size_ == 20


def test_series_detector_save_load_pickle(series_detector, series, tmp_path):
    loaded = sklearn_lstmae.load(series_detector.save(tmp_path / "series.lstmae"))
    unpickled = pickle.loads(pickle.dumps(series_detector))
    for copy in (loaded, unpickled):
        assert type(copy) is LSTMAutoencoderSeriesDetector
        assert (copy.window_size_, copy.threshold_) == (10, series_detector.threshold_)
        np.testing.assert_array_equal(
            copy.score_timesteps(series), series_detector.score_timesteps(series)
        )


def test_series_mahalanobis_save_load(series, tmp_path):
    fitted = LSTMAutoencoderSeriesDetector(
        10, stride=5, anomaly_score="mahalanobis", score_level="step", input_noise=0.0, **TINY
    ).fit(series)
    loaded = sklearn_lstmae.load(fitted.save(tmp_path / "series.lstmae"))
    np.testing.assert_array_equal(loaded.score_timesteps(series), fitted.score_timesteps(series))
    test = series.copy()
    test[200:204, 1] *= -1  # breaks the link between the channels
    scores = fitted.score_timesteps(test)
    assert 190 <= np.argmax(scores) <= 213


def test_series_shorter_than_the_window(series_detector, series):
    with pytest.raises(ValueError, match="fewer than one window of window_size_=10"):
        series_detector.score_timesteps(series[:9])


def test_window_size_larger_than_the_series(series):
    with pytest.raises(ValueError, match="window_size=500 is larger than the series"):
        LSTMAutoencoderSeriesDetector(500, **TINY).fit(series)


def test_nan_inside_the_series(series_detector, series):
    gappy = series.copy()
    gappy[17, 1] = np.nan
    for call in (LSTMAutoencoderSeriesDetector(10, **TINY).fit, series_detector.score_timesteps):
        with pytest.raises(ValueError, match=r"contains NaN or infinity \(first at point 17"):
            call(gappy)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"window_size": 1}, "window_size must be 'auto' or an integer >= 2"),
        ({"window_size": "long"}, "window_size must be 'auto'"),
        ({"stride": 0}, "stride must be a positive integer"),
        ({"window_size": 10, "stride": 11}, "points between two windows would never be trained"),
        ({"score_stride": 0}, "score_stride must be a positive integer"),
        ({"window_size": 10, "score_stride": 11}, "points between two windows would get no score"),
        ({"reduction": "median"}, "reduction must be one of"),
        ({"score_level": "point"}, "score_level must be one of"),
    ],
)
def test_bad_series_parameters(params, message, series):
    with pytest.raises(ValueError, match=message):
        LSTMAutoencoderSeriesDetector(**{**TINY, **params}).fit(series)


def test_bad_series_shapes(series_detector, series):
    expected = (
        "X has 3 features, but LSTMAutoencoderSeriesDetector is expecting 2 features as input: "
        "series has 3 features, but the detector was fitted on 2"
    )
    with pytest.raises(ValueError, match=expected):
        series_detector.score_timesteps(np.ones((50, 3)))
    with pytest.raises(ValueError, match="must be one series"):
        series_detector.score_timesteps(np.ones((5, 50, 2)))


# -- scoring parameters after fit, atomic fits, warm starts ------------------------------
def test_either_score_on_the_same_network_without_a_new_fit(series, normal):
    # The error model is fitted whatever anomaly_score is: switching after fit gives what a fit
    # with the Mahalanobis score gives (the same network, the same model).
    kwargs = {"window_size": 10, "stride": 5, **TINY}
    by_error = LSTMAutoencoderSeriesDetector(**kwargs).fit(series)
    by_mahalanobis = LSTMAutoencoderSeriesDetector(anomaly_score="mahalanobis", **kwargs).fit(
        series
    )
    np.testing.assert_array_equal(
        by_error.set_params(anomaly_score="mahalanobis").score_timesteps(series),
        by_mahalanobis.score_timesteps(series),
    )
    collection = LSTMAutoencoderOutlierDetector(**TINY).fit(normal)
    np.testing.assert_array_equal(
        collection.set_params(anomaly_score="mahalanobis").score_samples(normal),
        LSTMAutoencoderOutlierDetector(**TINY, anomaly_score="mahalanobis")
        .fit(normal)
        .score_samples(normal),
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"score_stride": 0}, "score_stride must be a positive integer"),
        ({"score_stride": 11}, "score_stride=11 is larger than the window"),
        ({"reduction": "median"}, "reduction must be one of"),
        ({"score_level": "point"}, "score_level must be one of"),
        ({"anomaly_score": "bogus"}, "anomaly_score must be one of"),
    ],
)
def test_scoring_parameters_set_after_fit_are_checked(series_detector, series, params, message):
    detector = pickle.loads(pickle.dumps(series_detector)).set_params(**params)
    for call in (detector.score_timesteps, detector.predict):
        with pytest.raises(ValueError, match=message):
            call(series)


def test_predict_refuses_a_threshold_for_other_scores(series_detector, series, detector, normal):
    labels = series_detector.predict(series)
    changed = pickle.loads(pickle.dumps(series_detector)).set_params(
        reduction="max", score_stride=2
    )
    assert changed.score_timesteps(series).shape == (len(series),)  # scores: any parameters
    with pytest.raises(ValueError, match=r"score_stride=3, reduction=.hmean.*Fit again"):
        changed.predict(series)
    changed.set_params(reduction="hmean", score_stride=3)
    np.testing.assert_array_equal(changed.predict(series), labels)
    with pytest.raises(ValueError, match=r"score_stride=3.*now has score_stride=1"):
        changed.set_params(score_stride=1).predict(series)
    collection = pickle.loads(pickle.dumps(detector)).set_params(anomaly_score="mahalanobis")
    for call in (collection.predict, collection.decision_function):
        with pytest.raises(ValueError, match="offset_ was set in fit with"):
            call(normal)


def test_a_contamination_set_after_fit_is_refused_until_the_next_fit(
    series_detector, series, detector, normal
):
    # Before, predict kept the old threshold without a word (10% flagged after
    # set_params(contamination=0.4)), though other changed parameters were refused.
    for model, data, name in (
        (detector, normal, "offset_"),
        (series_detector, series, "threshold_"),
    ):
        changed = pickle.loads(pickle.dumps(model))
        labels, at_fit = changed.predict(data), changed.contamination
        changed.set_params(contamination=0.4)
        for call in (changed.predict, changed.decision_function):
            with pytest.raises(ValueError, match=rf"{name} was set in fit with contamination="):
                call(data)
        np.testing.assert_array_equal(changed.score_samples(data), model.score_samples(data))
        np.testing.assert_array_equal(
            changed.set_params(contamination=at_fit).predict(data), labels
        )
    refitted = pickle.loads(pickle.dumps(detector)).set_params(contamination=0.4).fit(normal)
    assert np.mean(refitted.predict(normal) == -1) == pytest.approx(0.4, abs=1 / len(normal))


def test_series_reconstruction_error_against_a_loop_and_by_channel(series_detector, series):
    test = series[:120].copy()
    test[60:63, 1] += 3.0  # the second channel only
    rebuilt, errors = (
        series_detector.reconstruct(test),
        series_detector.reconstruction_error(test),
    )
    assert rebuilt.shape == errors.shape == test.shape and errors.dtype == np.float64
    # Reference: every scored window rebuilt by the network, each point's rebuilt values
    # averaged over the windows that cover it.
    window = series_detector.window_size_
    starts = window_starts(len(test), window, series_detector.score_stride)
    windows = np.stack([test[start : start + window] for start in starts])
    rebuilt_windows = series_detector._decode(series_detector._encode(windows), window)
    total, count = np.zeros_like(test), np.zeros(len(test))
    for start, values in zip(starts, rebuilt_windows):
        total[start : start + window] += values
        count[start : start + window] += 1
    np.testing.assert_allclose(rebuilt, total / count[:, None], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(errors, np.abs(test - rebuilt), rtol=1e-5, atol=1e-6)
    # Rebuilt where normal: close to the series, far from it at the fault.
    assert np.abs(test - rebuilt)[:50].mean() < 0.5 * np.abs(test - rebuilt)[60:63].mean()
    # The channel that went wrong has the larger error there, in either unit.
    standardized = series_detector.reconstruction_error(test, standardized=True)
    assert standardized[60:63, 1].mean() > 2 * standardized[60:63, 0].mean()
    assert errors[60:63, 1].mean() > 2 * errors[60:63, 0].mean()
    # Standardized: divided by each feature's spread learned in fit.
    ratio = errors / standardized
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-6)
    np.testing.assert_allclose(ratio[0], series.std(axis=0), rtol=0.05)


def test_series_reconstruction_error_is_shaped_like_the_input(series):
    index = pd.date_range("2026-01-01", periods=len(series), freq="min")
    frame = pd.DataFrame(series, index=index, columns=["pressure", "flow"])
    fitted = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame)
    errors = fitted.reconstruction_error(frame)
    assert isinstance(errors, pd.DataFrame)
    assert errors.index.equals(index) and list(errors.columns) == ["pressure", "flow"]
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        unnamed = fitted.reconstruction_error(frame.to_numpy())
    np.testing.assert_array_equal(errors.to_numpy(), unnamed)
    univariate = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame["flow"])
    out = univariate.reconstruction_error(frame["flow"])
    assert isinstance(out, pd.Series) and out.index.equals(index) and out.name == "flow"
    flat = univariate.reconstruction_error(series[:, 1])
    assert flat.shape == (len(series),)
    np.testing.assert_array_equal(flat, out.to_numpy())
    rebuilt = fitted.reconstruct(frame)
    assert isinstance(rebuilt, pd.DataFrame) and list(rebuilt.columns) == ["pressure", "flow"]
    assert univariate.reconstruct(series[:, 1]).shape == (len(series),)
    with pytest.raises(ValueError, match="fewer than one window"):
        fitted.reconstruction_error(frame.iloc[:5])


def test_series_scores_in_scikit_learns_outlier_convention(series_detector, series):
    test = series.copy()
    test[200:204] += 3.0
    scores = series_detector.score_timesteps(test)
    np.testing.assert_array_equal(series_detector.score_samples(test), -scores)
    decision = series_detector.decision_function(test)
    assert series_detector.offset_ == -series_detector.threshold_
    np.testing.assert_array_equal(decision, series_detector.threshold_ - scores)
    np.testing.assert_allclose(
        decision, series_detector.score_samples(test) - series_detector.offset_, rtol=0, atol=0
    )
    # predict says -1 exactly where the decision is negative, as IsolationForest's does.
    labels = series_detector.predict(test)
    np.testing.assert_array_equal(labels, np.where(decision < 0, -1, 1))
    assert (labels[195:210] == -1).any() and decision[195:210].min() < 0
    assert not hasattr(LSTMAutoencoderSeriesDetector(), "offset_")
    assert is_outlier_detector(series_detector)  # scikit-learn's tag, as IsolationForest's
    # Setting offset_ moves the threshold, as for IsolationForest and the collection detector.
    moved = pickle.loads(pickle.dumps(series_detector))
    moved.offset_ = series_detector.offset_ - 1.0
    assert moved.threshold_ == series_detector.threshold_ + 1.0
    assert (moved.predict(test) == -1).sum() < (labels == -1).sum()
    frame = pd.DataFrame(test, index=pd.date_range("2026-01-01", periods=len(test), freq="s"))
    for method in (series_detector.score_samples, series_detector.decision_function):
        out = method(frame)
        assert isinstance(out, pd.Series) and out.index.equals(frame.index)
        assert out.name == method.__name__
    # The threshold belongs to fit's scoring parameters: decision_function refuses others, as
    # predict does; score_samples, like score_timesteps, follows the current parameters.
    changed = pickle.loads(pickle.dumps(series_detector)).set_params(reduction="max")
    np.testing.assert_array_equal(changed.score_samples(test), -changed.score_timesteps(test))
    with pytest.raises(ValueError, match=r"threshold_ was set in fit with reduction"):
        changed.decision_function(test)


def test_series_detector_in_a_grid_search_with_a_threshold_free_scorer(series):
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import TimeSeriesSplit

    test = np.concatenate([series, series])
    labels = np.ones(len(test), dtype=int)
    for start in (500, 650, 720):  # anomalies in the last two folds' test parts
        test[start : start + 5] += 2.5
        labels[start : start + 5] = -1
    search = GridSearchCV(
        LSTMAutoencoderSeriesDetector(10, **{**TINY, "epochs": 30}),
        {"reduction": ["hmean", "max"]},
        scoring={"roc_auc": "roc_auc", "average_precision": "average_precision"},
        refit=False,
        cv=TimeSeriesSplit(n_splits=2, test_size=200),
    )
    search.fit(test, labels)
    # Both threshold-free scorers read decision_function (before, every fold recorded NaN).
    # roc_auc is the anomalies' as much as the normal points': a wrong sign gives < 0.5.
    # average_precision ranks the normal points, most of each fold: high whatever the order.
    roc_auc = search.cv_results_["mean_test_roc_auc"]
    assert np.isfinite(search.cv_results_["mean_test_average_precision"]).all()
    assert roc_auc[0] > 0.9 and np.isfinite(roc_auc[1]), roc_auc

    # The anomalies' own AUC-PR, as the decision_function docstring gives it.
    def anomaly_pr(detector, X, y):
        return average_precision_score(y == -1, detector.score_timesteps(X))

    search.set_params(scoring=anomaly_pr).fit(test, labels)
    hmean, maximum = search.cv_results_["mean_test_score"]
    assert hmean > 0.9 and np.isfinite(maximum)  # max smears each spike over its windows


@pytest.fixture
def trained(monkeypatch):
    """The windows each series detector fit trains on, in order."""
    windows = []
    fit = LSTMAutoencoderSeriesDetector._fit

    def recording_fit(self, X, *args, **kwargs):
        windows.append(np.array(X))
        return fit(self, X, *args, **kwargs)

    monkeypatch.setattr(LSTMAutoencoderSeriesDetector, "_fit", recording_fit)
    return windows


def test_fit_trains_on_a_window_every_stride_points_and_one_ending_at_the_last(series, trained):
    # 61 points, windows of 10: starts 0, 4, ..., 48 and 51, whatever score_stride is.
    LSTMAutoencoderSeriesDetector(10, stride=4, score_stride=5, **TINY).fit(series[:61])
    (windows,) = trained
    starts = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 51]
    expected = np.stack([series[start : start + 10] for start in starts]).astype(np.float32)
    np.testing.assert_array_equal(windows, expected)


def test_fit_on_several_series_cuts_windows_within_each(series, trained):
    first, second = series[:150], series[200:330] + 5.0  # a level apart: a join would show
    detector = LSTMAutoencoderSeriesDetector(10, stride=3, contamination=0.1, **TINY)
    labels = detector.fit_predict([first, pd.DataFrame(second)])
    # The windows of each series, every stride points and one ending at its last point; none
    # across the two (each window is a slice of one of them).
    expected = [make_windows(part, 10)[window_starts(len(part), 10, 3)] for part in (first, second)]
    np.testing.assert_allclose(trained[0], np.concatenate(expected).astype(np.float32))
    # One label per point of each, shaped like each; threshold_ from both series' scores.
    assert isinstance(labels, list) and labels[0].shape == (150,)
    assert isinstance(labels[1], pd.Series) and len(labels[1]) == 130
    flagged = np.concatenate([labels[0], labels[1].to_numpy()]) == -1
    assert abs(flagged.mean() - 0.1) <= 1 / 280
    scores = np.concatenate([detector.score_timesteps(first), detector.score_timesteps(second)])
    np.testing.assert_array_equal(flagged, scores > detector.threshold_)
    # A list of numbers, or of lists, is one series, as numpy reads it.
    one = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(series[:, 0].tolist())
    assert one.n_features_in_ == 1 and one.window_size_ == 10
    assert (
        LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(series.tolist()).n_features_in_ == 2
    )


def test_every_scoring_method_takes_a_list_of_series_as_fit_does(series_detector, series):
    parts = [series[:100], pd.DataFrame(series[150:260])]
    for name in (
        "score_timesteps",
        "score_samples",
        "decision_function",
        "predict",
        "reconstruct",
        "reconstruction_error",
    ):
        method = getattr(series_detector, name)
        results = method(parts)
        assert isinstance(results, list) and len(results) == 2, name
        np.testing.assert_array_equal(results[0], method(parts[0]))
        assert isinstance(results[1], (pd.Series, pd.DataFrame)), name
        np.testing.assert_array_equal(results[1], method(parts[1]))
    with pytest.raises(ValueError, match=r"series\[1\]: series has 5 points, fewer than one"):
        series_detector.score_timesteps([series, series[:5]])


def test_several_series_are_checked_before_training(series, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the input was refused")

    detector = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY)
    monkeypatch.setattr(detector, "_fit", no_training)
    with pytest.raises(ValueError, match=r"series\[1\] has 5 points, fewer than one window"):
        detector.fit([series, series[:5]])
    with pytest.raises(ValueError, match=r"series\[1\] has 1 features, but series\[0\] has 2"):
        detector.fit([series, series[:, 0]])
    with_gap = series.copy()
    with_gap[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"series\[1\]: series contains NaN.*first at point 7"):
        detector.fit([series, with_gap])
    named = pd.DataFrame(series, columns=["pressure", "flow"])
    with pytest.raises(
        ValueError, match=r"series\[1\] has the feature names \['flow', 'pressure'\]"
    ):
        detector.fit([named, named[["flow", "pressure"]]])
    with pytest.raises(ValueError, match=r"series\[1\] has the feature names none"):
        detector.fit([named, series])


def test_the_training_stride_is_read_by_fit_only(series_detector, series):
    # stride picks the windows fit trains on; a new stride after fit changes no score, and
    # the threshold still applies.
    changed = pickle.loads(pickle.dumps(series_detector)).set_params(stride=1)
    np.testing.assert_array_equal(
        changed.score_timesteps(series), series_detector.score_timesteps(series)
    )
    np.testing.assert_array_equal(changed.predict(series), series_detector.predict(series))


def test_scores_do_not_depend_on_where_the_series_starts(series_detector, series):
    # score_stride=1 (the default): the series started one point later gives each point the
    # same windows, and so the same score, once it is a window past the start.
    every_window = pickle.loads(pickle.dumps(series_detector)).set_params(score_stride=1)
    test = series[:200].copy()
    test[120] += 3.0
    scores, later = every_window.score_timesteps(test), every_window.score_timesteps(test[1:])
    np.testing.assert_allclose(later[9:], scores[10:], rtol=1e-6)
    # Every 3rd window (the fixture's score_stride): the windows move with the first point.
    scores = series_detector.score_timesteps(test)
    later = series_detector.score_timesteps(test[1:])
    assert not np.allclose(later[9:], scores[10:], rtol=1e-3)


def test_scoring_chunks_as_they_arrive_with_the_readme_recipe(series_detector, series):
    # The README's recipe: the last 2 * (window_size_ - 1) points seen in front of each new
    # chunk, the first window_size_ - 1 scores dropped. The rest are the previous chunk's
    # provisional points, now final, then the chunk's: all as in the whole series but the
    # chunk's last window_size_ - 1, whose later windows have not arrived.
    detector = pickle.loads(pickle.dumps(series_detector)).set_params(score_stride=1)
    test = series.copy()
    test[205:208] += 3.0
    whole = detector.score_timesteps(test)
    k = detector.window_size_ - 1
    for first, last in ((150, 230), (230, 320)):  # two chunks in a row
        scores = detector.score_timesteps(test[first - 2 * k : last])[k:]  # points first - k ...
        np.testing.assert_allclose(scores[:-k], whole[first - k : last - k], rtol=1e-6)
        assert not np.allclose(scores[-k:], whole[last - k : last], rtol=1e-3)


def test_a_failed_fit_leaves_the_fitted_detector_as_it_was(series_detector, series, monkeypatch):
    detector = pickle.loads(pickle.dumps(series_detector))
    state, scores = dict(detector.__dict__), detector.score_timesteps(series)
    # Refused before training: a stride that leaves points between the windows.
    with pytest.raises(ValueError, match="stride=20 is larger than the window"):
        detector.set_params(stride=20).fit(series)
    detector.set_params(stride=3)
    # Failing after training, while setting the threshold: nothing of the new fit is kept.
    import sklearn_lstmae._series_detector as module

    def fail(*args, **kwargs):
        raise RuntimeError("threshold failed")

    monkeypatch.setattr(module, "threshold_for", fail)
    with pytest.raises(RuntimeError, match="threshold failed"):
        detector.fit(series * 2)
    assert detector.__dict__.keys() == state.keys()
    assert detector.model_ is state["model_"] and detector.threshold_ == state["threshold_"]
    np.testing.assert_array_equal(detector.score_timesteps(series), scores)


def test_series_warm_start_continues_training(series):
    detector = LSTMAutoencoderSeriesDetector(10, stride=5, warm_start=True, **TINY).fit(series)
    first_epochs, weights = detector.n_iter_, detector.model_.get_weights()
    detector.fit(series)
    assert detector.n_iter_ == 2 * first_epochs
    assert any(not np.array_equal(a, b) for a, b in zip(weights, detector.model_.get_weights()))
    with pytest.raises(ValueError, match="window_size=12 differs from window_size_=10"):
        detector.set_params(window_size=12).fit(series)
    expected = (
        r"X has 1 features, but LSTMAutoencoderSeriesDetector is expecting 2 features as "
        r"input: continuing \(warm_start=True\).*warm_start=False"
    )
    with pytest.raises(ValueError, match=expected):
        detector.set_params(window_size="auto").fit(series[:, 0])


def test_series_warm_start_on_several_series(series, trained):
    frame = pd.DataFrame(series, columns=["pressure", "flow"])
    detector = LSTMAutoencoderSeriesDetector(10, stride=5, warm_start=True, **TINY)
    detector.fit([frame[:100], frame[150:250]])
    first_epochs, weights = detector.n_iter_, detector.model_.get_weights()
    # The second list trains the same network further, on windows within each of its series.
    labels = detector.fit_predict([frame[:60], frame[100:180]])
    assert detector.n_iter_ == 2 * first_epochs and detector.window_size_ == 10
    assert any(not np.array_equal(a, b) for a, b in zip(weights, detector.model_.get_weights()))
    starts_60, starts_80 = (
        [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50],
        [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70],
    )
    expected = np.stack(
        [series[s : s + 10] for s in starts_60] + [series[100 + s : 110 + s] for s in starts_80]
    ).astype(np.float32)
    np.testing.assert_array_equal(trained[1], expected)
    assert [len(part) for part in labels] == [60, 80]
    # Each series' names are checked against the first fit's before any training.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detector, "_fit", lambda *args, **kwargs: pytest.fail("trained"))
        with pytest.raises(ValueError, match="same order as they were in fit"):
            detector.fit([frame[:60], frame[["flow", "pressure"]][60:]])
    assert detector.n_iter_ == 2 * first_epochs


def test_series_warm_start_keeps_and_checks_the_feature_names(series):
    frame = pd.DataFrame(series, columns=["pressure", "flow"])
    detector = LSTMAutoencoderSeriesDetector(10, stride=5, warm_start=True, **TINY).fit(frame)
    detector.fit(frame)
    np.testing.assert_array_equal(detector.feature_names_in_, ["pressure", "flow"])

    # Continued training keeps the first fit's standardization: swapped or renamed channels
    # are refused before training, as when scoring.
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the names were checked")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detector, "_fit", no_training)
        with pytest.raises(ValueError, match="same order as they were in fit"):
            detector.fit(frame[["flow", "pressure"]])
        with pytest.raises(ValueError, match="Feature names unseen at fit time"):
            detector.fit(frame.rename(columns={"flow": "rate"}))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        detector.fit(series)
    np.testing.assert_array_equal(detector.feature_names_in_, ["pressure", "flow"])


def test_series_column_names_and_layout_are_checked_before_training(series, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the input was refused")

    detector = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY)
    monkeypatch.setattr(detector, "_fit", no_training)
    with pytest.raises(TypeError, match="all input features have string names"):
        detector.fit(pd.DataFrame(series, columns=["pressure", 1]))
    # aeon's (n_channels, n_timepoints) layout: the transpose is named, where the window does
    # not fit, in the error...
    for window_size in (10, "auto"):
        with pytest.raises(ValueError, match=r"2 points of 400 features.*pass series\.T"):
            detector.set_params(window_size=window_size).fit(series.T)
        # A row vector, one univariate series laid along the second axis.
        with pytest.raises(ValueError, match=r"1 sample .*1 points of 400 features.*series\.T"):
            detector.set_params(window_size=window_size).fit(series[:, :1].T)
    # ... and where it does, in a warning: a short recording of many channels is a series too.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(AssertionError, match="trained before"):
            detector.set_params(window_size=10).fit(np.tile(series.T, (15, 1)))
    assert [str(warning.message) for warning in caught] == [
        "The series has shape (30, 400): 30 points of 400 features. A series is (n_points, "
        "n_features), time along the first axis; if yours runs along the second (aeon's "
        "(n_channels, n_timepoints) layout), pass series.T."
    ]
    fitted = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(series)
    with pytest.raises(ValueError, match=r"400 features, but .* fitted on 2 .*pass series\.T"):
        fitted.score_timesteps(series.T)


def test_series_of_numbers_as_objects_is_read_and_sparse_is_refused(series_detector, series):
    from scipy import sparse

    as_objects = pd.DataFrame(series).astype(object)  # mixed ints and floats end up so
    np.testing.assert_array_equal(
        series_detector.score_timesteps(as_objects), series_detector.score_timesteps(series)
    )
    with pytest.raises(TypeError, match=r"sparse matrix.*series\.toarray\(\)"):
        series_detector.score_timesteps(sparse.csr_matrix(series))
    text = np.array([["1.5", "a"]] * len(series), dtype=object)
    with pytest.raises(
        ValueError,
        match="series must hold real numbers, but some of its values are not: could not convert",
    ):
        series_detector.score_timesteps(text)


def test_series_in_large_float64_units_scores_as_in_small_ones():
    # Deviations beyond 1e154 overflowed when squared for the standardization: the loss was
    # NaN and the error told the user to keep standardize=True, which was on.
    values = np.sin(np.arange(300) / 3)
    params = {**TINY, "dtype": "float64", "random_state": 0}
    large = LSTMAutoencoderSeriesDetector(10, stride=5, **params).fit(values * 1e200)
    small = LSTMAutoencoderSeriesDetector(10, stride=5, **params).fit(values)
    np.testing.assert_allclose(large._scales[0], small._scales[0] * 1e200, rtol=1e-12)
    np.testing.assert_allclose(
        large.score_timesteps(values * 1e200), small.score_timesteps(values), rtol=1e-9
    )


def test_series_feature_names_are_checked_as_scikit_learn_does(series):
    frame = pd.DataFrame(series, columns=["pressure", "flow"])
    detector = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame)
    np.testing.assert_array_equal(detector.feature_names_in_, ["pressure", "flow"])
    with pytest.raises(ValueError, match="same order as they were in fit"):
        detector.score_timesteps(frame[["flow", "pressure"]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        detector.score_timesteps(series)
    assert not hasattr(detector.fit(series), "feature_names_in_")


def test_empty_boolean_and_overflowing_series_are_refused_clearly():
    with pytest.raises(ValueError, match=r"series has shape \(0,\): it holds no values"):
        LSTMAutoencoderSeriesDetector(**TINY).fit(np.array([]))
    with pytest.raises(ValueError, match="series holds booleans"):
        LSTMAutoencoderSeriesDetector(10, **TINY).fit(np.arange(100) % 7 == 0)
    huge = np.sin(np.arange(100.0))
    huge[5] = 1e39  # beyond float32: refused before it overflows (no RuntimeWarning either)
    with pytest.raises(ValueError, match="series holds values beyond float32's range"):
        LSTMAutoencoderSeriesDetector(10, **TINY).fit(huge)


def test_detectors_do_not_point_to_a_transform_they_hide(detector, normal):
    with pytest.raises(ValueError, match="at most 12 timesteps") as error:
        detector.score_samples([np.ones((20, 2))])  # a list: any length, up to the decoder
    assert "transform" not in str(error.value)


# -- inside aeon ----------------------------------------------------------------------
def test_aeon_adapter_output_goes_into_aeon_metrics(series):
    metrics = pytest.importorskip("aeon.benchmarking.metrics.anomaly_detection")
    from sklearn_lstmae.aeon import LSTMAutoencoderAeonDetector

    inner = LSTMAutoencoderSeriesDetector(10, stride=3, **TINY)
    test, labels = series.copy(), np.zeros(len(series), dtype=int)
    test[250:255, 0] += 3.0
    labels[250:255] = 1
    # Time points in rows: axis=0 (aeon's default, axis=1, wants channels in rows).
    adapter = LSTMAutoencoderAeonDetector(inner).fit(series[:200], axis=0)
    scores = adapter.predict(test, axis=0)
    assert scores.shape == (len(series),) and inner.__dict__.get("window_size_") is None
    np.testing.assert_allclose(scores, adapter.detector_.score_timesteps(test))
    assert metrics.roc_auc_score(labels, scores) > 0.9
    assert 0 <= metrics.range_pr_vus_score(labels, scores, max_buffer_size=10) <= 1
    np.testing.assert_allclose(adapter.predict(test.T), scores)
    assert adapter.fit_predict(test[:, 0]).shape == (len(series),)  # univariate


@pytest.mark.slow
def test_aeon_estimator_checks():
    estimator_checking = pytest.importorskip("aeon.testing.estimator_checking")
    from sklearn_lstmae.aeon import LSTMAutoencoderAeonDetector

    results = estimator_checking.check_estimator(LSTMAutoencoderAeonDetector)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) > 10 and not failed


@pytest.mark.slow
def test_anomaly_detection_example(tmp_path, monkeypatch, capsys):
    import runpy
    import sys
    from pathlib import Path

    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    # In this process (a fresh one spent ~11 s importing TensorFlow again), as a script.
    example = Path(__file__).resolve().parents[1] / "examples" / "anomaly_detection.py"
    plot = tmp_path / "anomalies.png"
    monkeypatch.setattr(sys, "argv", [str(example), str(plot)])
    open_before = plt.get_fignums()
    try:
        runpy.run_path(str(example), run_name="__main__")
    finally:
        for number in set(plt.get_fignums()) - set(open_before):
            plt.close(number)
    stdout = capsys.readouterr().out
    flagged = stdout.split("flagged intervals")[1].split("\ntrue faults:")[0]
    lines = flagged.splitlines()
    for fault, sensor in (
        ("pressure glitch", "pressure"),
        ("clogged filter", "flow"),  # flow drops while pressure stays
        ("stuck temperature", "temperature"),
    ):
        # Each true fault lies inside a flagged interval, which names the sensor at fault.
        (line,) = [line for line in lines if line.endswith(fault)]
        assert f"worst rebuilt: {sensor} " in line, line
    assert plot.stat().st_size > 10_000


def test_series_detector_declares_what_it_reads_and_routes_no_series():
    from sklearn.utils import get_tags

    tags = get_tags(LSTMAutoencoderSeriesDetector())
    # It inherited the collections' tags: 3-D arrays yes, 1-D no; the opposite is true.
    assert tags.input_tags.one_d_array and tags.input_tags.two_d_array
    assert not tags.input_tags.three_d_array
    # "series" is its X: metadata routing offered set_fit_request(series=True).
    routing = LSTMAutoencoderSeriesDetector().get_metadata_routing()
    assert "series" not in str(routing)
    assert not hasattr(LSTMAutoencoderSeriesDetector(), "set_fit_request")


def test_series_detector_refuses_masked_points_and_reads_an_unmasked_array(series_detector, series):
    masked = np.ma.masked_array(series[:100], mask=np.zeros((100, 2), dtype=bool))
    np.testing.assert_array_equal(
        series_detector.score_timesteps(masked), series_detector.score_timesteps(series[:100])
    )
    masked.mask[40, 1] = True  # the reading stored under the mask was scored as valid
    with pytest.raises(ValueError, match="masked array with 1 masked values.*Fill or interpolate"):
        series_detector.score_timesteps(masked)


def test_series_detector_early_stopping_speaks_of_windows_and_its_own_fit():
    # Too few windows to hold out: the advice was to "pass validation_data", which this fit does
    # not take (a TypeError), and the docstring promised validation_data and partial_fit too.
    series = np.sin(2 * np.pi * np.arange(15) / 5)
    detector = LSTMAutoencoderSeriesDetector(window_size=10, early_stopping=True, **TINY)
    with pytest.raises(ValueError, match=r"of 4 windows leaves 0 .* fit a longer series"):
        detector.fit(series)
    assert "validation_data" not in LSTMAutoencoderSeriesDetector.__doc__
    assert "partial_fit" not in LSTMAutoencoderSeriesDetector.__doc__  # it has none
    assert "Share of the training windows held out" in LSTMAutoencoderSeriesDetector.__doc__
    # The other estimators keep the shared wording.
    assert (
        "use ``validation_data`` given to fit" in sklearn_lstmae.LSTMAutoencoderTransformer.__doc__
    )


def _recorded_splits(monkeypatch):
    """Record the (train, held-out) window indices of the series detector's fits."""
    splits = []
    split = LSTMAutoencoderSeriesDetector._early_stopping_split

    def recording(self, weighted, n_samples, rng):
        result = split(self, weighted, n_samples, rng)
        splits.append(result)
        return result

    monkeypatch.setattr(LSTMAutoencoderSeriesDetector, "_early_stopping_split", recording)
    return splits


def test_series_detector_early_stopping_holds_out_the_series_end_apart_from_training(
    monkeypatch,
):
    # Windows one stride apart share most of their points: drawn at random, the held-out
    # windows were validated on points that training saw. Now they are the series' last
    # windows, and no training window shares a point with them.
    splits = _recorded_splits(monkeypatch)
    series = np.sin(2 * np.pi * np.arange(400) / 25)
    detector = LSTMAutoencoderSeriesDetector(
        window_size=20, stride=2, early_stopping=True, **TINY
    ).fit(series)
    ((train_index, held_out),) = splits
    starts = series_module.window_starts(400, 20, 2)
    assert len(starts) == 191
    np.testing.assert_array_equal(held_out, np.arange(191 - 19, 191))  # round(0.1 * 191)
    assert starts[train_index].max() + 20 <= starts[held_out].min()  # no shared point
    # Left out: the 9 windows that start 2 to 18 points before the stretch (326, ..., 342).
    assert len(train_index) == 191 - 19 - 9
    assert detector.validation_loss_curve_ is not None


def test_series_detector_early_stopping_validates_on_points_training_never_saw():
    # A series whose last stretch swings four times wider: held out at the end, its windows
    # rebuild far worse than the training windows; drawn at random (before), the held-out
    # windows were a sample of the same mix as the training ones (best losses 0.93 and 0.94;
    # now 15 times apart).
    points = np.arange(1000)
    series = np.sin(2 * np.pi * points / 25) * np.where(points < 900, 1.0, 4.0)
    detector = LSTMAutoencoderSeriesDetector(
        window_size=20, stride=2, early_stopping=True, input_noise=0.0, **TINY
    ).fit(series)
    assert min(detector.validation_loss_curve_) > 4 * min(detector.loss_curve_)


def test_series_detector_early_stopping_holds_out_the_last_series_of_a_list(monkeypatch):
    splits = _recorded_splits(monkeypatch)
    first, last = np.sin(np.arange(300) / 4), np.cos(np.arange(200) / 4)
    LSTMAutoencoderSeriesDetector(window_size=20, stride=1, early_stopping=True, **TINY).fit(
        [first, last]
    )
    ((train_index, held_out),) = splits
    n_first, n_last = 300 - 20 + 1, 200 - 20 + 1
    n_held_out = round(0.1 * (n_first + n_last))
    np.testing.assert_array_equal(
        held_out, np.arange(n_first + n_last - n_held_out, n_first + n_last)
    )
    # Every window of the first series trains; of the last, those ending before the stretch.
    assert np.isin(np.arange(n_first), train_index).all()
    assert train_index.max() == n_first + n_last - n_held_out - 20


def test_series_detector_early_stopping_without_room_to_train():
    # Every window before the held-out stretch shares points with it.
    series = np.sin(np.arange(130) / 3)
    detector = LSTMAutoencoderSeriesDetector(window_size=100, stride=1, early_stopping=True, **TINY)
    # No fraction helps here (advising to lower it went in a circle, to "raise" it at 0.01).
    match = r"last 3 of 31 windows .* 28 before them share points.* No fraction leaves one: the "
    with pytest.raises(ValueError, match=match + r"series needs at least 200 points"):
        detector.fit(series)
    # On a longer series, a lower fraction leaves windows to train on, and is advised.
    detector.set_params(validation_fraction=0.7)
    with pytest.raises(ValueError, match=r"none is left to train on\. Lower validation_fraction"):
        detector.fit(np.sin(np.arange(250) / 3))
    detector.set_params(validation_fraction=0.1).fit(np.sin(np.arange(250) / 3))
    # "auto" holds out only where it can: it monitors the training loss instead.
    many = np.sin(np.arange(1200) / 3)
    auto = LSTMAutoencoderSeriesDetector(window_size=1000, stride=1, early_stopping="auto", **TINY)
    assert auto.fit(many).validation_loss_curve_ is None


@pytest.mark.parametrize(
    "detector_class", [LSTMAutoencoderOutlierDetector, LSTMAutoencoderSeriesDetector]
)
def test_detectors_neither_have_nor_document_transform(detector_class):
    # help() listed "transform(self, X) Encode sequences into codes" under the methods
    # inherited from a class that hid it (the call raised AttributeError).
    import pydoc

    assert not hasattr(detector_class, "transform")
    assert "transform(" not in pydoc.render_doc(detector_class)


@pytest.mark.parametrize(
    "reorder, problem",
    [
        (lambda s: s.sort_index(ascending=False), "runs backwards"),
        (lambda s: s.sample(frac=1, random_state=0), "is not in time order"),
        (lambda s: pd.concat([s, s.iloc[:5]]).sort_index(), "repeats timestamps"),
    ],
)
def test_series_detector_warns_of_a_time_index_that_does_not_run_forward(reorder, problem):
    # Newest-first data was read backwards in silence: every point of it was flagged.
    index = pd.date_range("2024-01-01", periods=200, freq="h")
    series = pd.Series((np.arange(200) % 20) / 20.0, index=index)
    detector = LSTMAutoencoderSeriesDetector(window_size=20, **TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a forward index: no warning
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        detector.fit(series)
    with pytest.warns(UserWarning, match=f"time index {problem}.*row order") as record:
        detector.score_timesteps(reorder(series))
    assert record[0].filename == __file__


def test_series_detector_reads_pandas_missing_values_as_nan():
    # pd.NA in a nullable column of a frame gave "float() argument must be ... not 'NAType'"
    # where NaN gets the advice to interpolate.
    frame = pd.DataFrame(
        {"a": pd.array([1.0, 2.0, None] + [1.0] * 97, dtype="Float64"), "b": np.ones(100)}
    )
    detector = LSTMAutoencoderSeriesDetector(window_size=10, **TINY)
    with pytest.raises(ValueError, match=r"NaN or infinity \(first at point 2\).*interpolate"):
        detector.fit(frame)
    assert detector.fit(frame.fillna(1.0)).score_timesteps(frame.fillna(1.0)).shape == (100,)


def test_aeon_adapter_names_its_axis_for_a_series_with_time_along_the_rows():
    pytest.importorskip("aeon")
    from sklearn_lstmae.aeon import LSTMAutoencoderAeonDetector

    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 2)), columns=["a", "b"])
    adapter = LSTMAutoencoderAeonDetector(LSTMAutoencoderSeriesDetector(window_size=10, **TINY))
    # The detector's first advice was a smaller window_size, for "2 points".
    with pytest.raises(ValueError, match=r"300 channels of 2 points.*pass axis=0"):
        adapter.fit(frame)
    assert adapter.fit(frame, axis=0).predict(frame, axis=0).shape == (300,)


def test_series_detector_time_order_warnings_name_the_series_and_missing_timestamps():
    index = pd.date_range("2024-01-01", periods=100, freq="h")
    series = pd.Series(np.sin(np.arange(100) / 3), index=index)
    with_nat = series.set_axis(index.insert(5, pd.NaT)[:100])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        LSTMAutoencoderSeriesDetector(window_size=10, **TINY).fit([series, with_nat])
    messages = [str(w.message) for w in record if "time index" in str(w.message)]
    # NaT was called 'not in time order', and sort_index() did not help.
    assert messages == [
        "series[1]: series' time index has missing timestamps (1 NaT, first at row 5): the "
        "detector reads the points in row order, so its windows do not follow time. Fix the "
        "order first: drop or fill them (series[series.index.notna()])."
    ]


def test_series_detector_refuses_a_datetime_column_beside_the_values():
    # read_csv(parse_dates=...) without set_index: the timestamps were fitted as a feature.
    frame = pd.DataFrame(
        {"time": pd.date_range("2024-01-01", periods=60, freq="h"), "value": np.arange(60.0)}
    )
    with pytest.raises(TypeError, match="series must hold real numbers"):
        LSTMAutoencoderSeriesDetector(window_size=10, **TINY).fit(frame)


def test_aeon_adapter_hint_only_for_too_few_points_and_keeps_the_error_type():
    pytest.importorskip("aeon")
    from sklearn_lstmae._validation import InvalidParameterError
    from sklearn_lstmae.aeon import LSTMAutoencoderAeonDetector

    wide = np.random.default_rng(0).normal(size=(40, 60))
    inner = LSTMAutoencoderSeriesDetector(window_size=10, units=-1)
    with pytest.raises(InvalidParameterError) as error:
        LSTMAutoencoderAeonDetector(inner).fit(wide, axis=0)
    assert "axis" not in str(error.value)


def test_series_detector_errors_about_itself_do_not_blame_a_series_of_a_list():
    # "series[0]: This LSTMAutoencoderSeriesDetector instance is not fitted yet", and the same
    # prefix on a bad parameter and a stale threshold: no series was at fault.
    from sklearn.exceptions import NotFittedError

    series = np.sin(np.arange(300) / 5)
    detector = LSTMAutoencoderSeriesDetector(window_size=10, **TINY)
    with pytest.raises(NotFittedError, match="^This LSTMAutoencoderSeriesDetector"):
        detector.predict([series, series])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        detector.fit(series)
    detector.set_params(reduction="max")
    with pytest.raises(ValueError, match="^threshold_ was set in fit with reduction='hmean'"):
        detector.predict([series, series])
    detector.set_params(reduction="hmean", score_stride=0)
    with pytest.raises(ValueError, match="^score_stride must be a positive integer"):
        detector.predict([series, series])
    with pytest.raises(ValueError, match=r"^series\[1\]: series contains NaN"):
        detector.set_params(score_stride=1).predict([series, np.full(300, np.nan)])
