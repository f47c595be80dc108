"""The cluster registry's client (classroom/cluster.py) without a cluster: a visitor found in no class is not asked
about again for MISS_S, and a class made through this replica shows at once."""
import pytest

ray = pytest.importorskip("ray")
from ganlib.classroom import cluster  # noqa: E402


class Remote:
    """An actor method as the client calls it: .remote(...) answers at once (ray.get is patched to pass it on)."""
    def __init__(self, fn):
        self.remote = fn


class FakeRegistry:
    """The registry actor's two class methods; `asked` counts the questions."""
    def __init__(self):
        self.classes, self.asked = {}, 0
        self.class_of = Remote(self._class_of)
        self.set_class = Remote(lambda role, key, code: self.classes.__setitem__((role, key), code))

    def _class_of(self, role, key):
        self.asked += 1
        return self.classes.get((role, key))


@pytest.fixture
def registry(monkeypatch):
    fake = FakeRegistry()
    monkeypatch.setattr(cluster, "_registry", lambda: fake)
    monkeypatch.setattr(cluster.ray, "get", lambda ref: ref)
    monkeypatch.setattr(cluster, "_misses", {})
    clock = [1000.0]
    monkeypatch.setattr(cluster.time, "monotonic", lambda: clock[0])
    return fake, clock


def test_a_key_in_no_class_is_asked_about_once_per_miss_time(registry):
    fake, clock = registry
    assert [cluster.teaching("t1") for _ in range(5)] == [None] * 5
    assert fake.asked == 1
    fake.classes[("teach", "t1")] = "ABC234"   # made through another replica
    clock[0] += cluster.MISS_S - 0.01
    assert cluster.teaching("t1") is None      # still remembered as a miss
    clock[0] += 0.02
    assert cluster.teaching("t1") == "ABC234"
    assert [cluster.teaching("t1") for _ in range(3)] == ["ABC234"] * 3   # a class found is asked each time
    assert fake.asked == 5


def test_a_class_made_through_this_replica_shows_at_once(registry):
    fake, _ = registry
    assert cluster.learning("s1") is None
    cluster.learn("s1", "XYZ789")
    assert cluster.learning("s1") == "XYZ789"
    assert cluster.teaching("s1") is None   # the roles are apart


def test_the_memory_of_misses_is_bounded(registry, monkeypatch):
    monkeypatch.setattr(cluster, "MAX_MISSES", 3)
    for i in range(10):
        cluster.teaching(f"k{i}")
    assert len(cluster._misses) <= 3
