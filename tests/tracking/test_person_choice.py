"""Choice of the person to dress among several: the followed one is kept, nobody hops."""

from __future__ import annotations

import numpy as np

from mirror_app.tracking.person import PersonSelector, torso_centre

FRAME = (1280, 720)


def test_largest_central_person_is_chosen_first(make_skeleton) -> None:
    small_side = make_skeleton(150, 330, 90)[0]
    big_centre = make_skeleton(650, 330, 200)[0]
    big_edge = make_skeleton(1150, 330, 210)[0]
    choice = PersonSelector().choose([small_side, big_edge, big_centre], FRAME, 0.0)
    assert choice is not None and choice.index == 2 and choice.new_person


def test_followed_person_is_kept_when_someone_more_prominent_appears(make_skeleton) -> None:
    sel = PersonSelector()
    a0 = make_skeleton(400, 330, 150)[0]
    first = sel.choose([a0], FRAME, 0.0)
    assert first is not None
    ids = set()
    for i in range(1, 60):
        t = i / 30
        a = make_skeleton(400 + 2 * i, 330, 150)[0]  # followed person drifts right
        b = make_skeleton(800, 330, 150 + 2 * i)[0]  # newcomer grows larger than A and stands nearer the centre
        cands = [b, a] if i % 2 else [a, b]  # MediaPipe's order is not stable
        choice = sel.choose(cands, FRAME, t)
        assert choice is not None
        assert cands[choice.index] is a, f"hopped at frame {i}"
        ids.add(choice.person_id)
    assert ids == {first.person_id}


def test_three_people_follow_the_walker_past_the_others(make_skeleton) -> None:
    sel = PersonSelector()
    still_left = make_skeleton(150, 340, 170)[0]
    still_right = make_skeleton(1130, 340, 170)[0]
    walker_x = np.linspace(330, 950, 90)  # ~7 px per frame, passes the frame centre
    chosen = []
    for i, x in enumerate(walker_x):
        walker = make_skeleton(float(x), 340, 150)[0]
        cands = [still_left, walker, still_right][i % 3 :] + [still_left, walker, still_right][: i % 3]
        choice = sel.choose([walker], FRAME, 0.0) if i == 0 else sel.choose(cands, FRAME, i / 30)
        assert choice is not None
        chosen.append(torso_centre((cands if i else [walker])[choice.index])[0])
    assert np.allclose(chosen, walker_x + 0.0, atol=1e-3)  # torso centre x of the skeleton is cx + 0 offset


def test_brief_loss_waits_then_new_person_after_grace(make_skeleton) -> None:
    sel = PersonSelector(grace_s=0.5)
    a = make_skeleton(400, 330, 150)[0]
    b = make_skeleton(950, 330, 150)[0]
    first = sel.choose([a, b], FRAME, 0.0)
    assert first is not None and first.index == 0
    assert sel.choose([b], FRAME, 0.2) is None  # A occluded for 0.2 s: do not dress B meanwhile
    back = sel.choose([b, a], FRAME, 0.3)
    assert back is not None and back.index == 1 and back.person_id == first.person_id and not back.new_person
    assert sel.choose([b], FRAME, 0.4) is None
    other = sel.choose([b], FRAME, 1.0)  # A gone for 0.7 s > grace: B is dressed now, as someone new
    assert other is not None and other.index == 0 and other.new_person
    assert other.person_id != first.person_id


def test_nobody_gives_none(make_skeleton) -> None:
    sel = PersonSelector()
    assert sel.choose([], FRAME, 0.0) is None
    assert sel.person_id is None
