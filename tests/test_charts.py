"""Charts: the quality chart states its latest values and names its log ticks in full; a loss spike cannot
flatten the loss chart; 1-D real and fake histograms share their bins."""
import math

from ganlib.charts.quality import latest_text, quality_figure
from ganlib.charts.training import loss_range, training_figure


def history(d_loss):
    n = len(d_loss)
    return {"step": list(range(n)), "d_loss": d_loss, "g_loss": [0.3] * n, "value": [-1.3] * n,
            "d_real": [0.6] * n, "d_fake": [0.4] * n}


def test_quality_chart_title_states_the_latest_measurement():
    metrics = [(200, {"fid": 300.0, "classes_covered": 7}), (400, {"fid": 54.4, "classes_covered": 10})]
    assert latest_text(metrics, 18.8) == "step 400: Fréchet distance 54 (2.9x real vs real), 10 of 10 classes"
    fig = quality_figure(metrics, 18.8)
    assert fig.layout.annotations[0].text.startswith("step 400: Fréchet distance 54")
    assert 500 in fig.layout.yaxis.tickvals and fig.layout.yaxis.type == "log"


def test_quality_text_for_points_and_1d():
    assert latest_text([(10, {"modes_covered": 8, "n_modes": 8, "high_quality": 0.956})]) == \
        "step 10: 8 of 8 modes, 96% high quality"
    assert latest_text([(10, {"js": 0.0213})]) == "step 10: JS 0.021"
    assert latest_text([]) == "quality of G's samples"


def test_a_loss_spike_does_not_set_the_loss_axis():
    calm = [0.25 + 0.01 * math.sin(i) for i in range(200)]
    assert loss_range(history(calm)) is None          # nothing far out: plotly autoscales
    spiky = calm[:100] + [10.0] + calm[101:]
    lo, hi = loss_range(history(spiky))
    assert hi < 1.0 and lo > -2.0                      # the range fits the curves, not the spike
    fig = training_figure(history(spiky), loss="bce")
    assert list(fig.layout.yaxis.range) == [lo, hi]
    assert max(fig.data[0].y) == 10.0                  # the spike is still there to hover over


def test_1d_real_and_fake_histograms_share_their_bins():
    import numpy as np

    from ganlib.charts.training import points_figure
    rng = np.random.default_rng(0)
    fig = points_figure(rng.normal(size=(64, 1)), rng.normal(2.0, 1.0, size=(2000, 1)))
    real, fake = fig.data
    assert real.xbins.start == fake.xbins.start and real.xbins.size == fake.xbins.size
