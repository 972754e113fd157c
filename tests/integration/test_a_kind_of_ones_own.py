"""A new kind of exercise is one package: the throwaway show of hands in `tests/kinds/` plays end to
end, console, projector, phones and exports, with no line changed outside its own package. The
registry loads it from `WORKSHOP_EXTRA_KINDS`, read once when the app is first imported, so the play
runs in a Python process of its own."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_kind_of_ones_own_plays_with_nothing_changed_outside_its_package() -> None:
    env = {**os.environ, "WORKSHOP_EXTRA_KINDS": "tests.kinds.show_of_hands"}
    play = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/kinds/play_show_of_hands.py",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert play.returncode == 0, play.stdout + play.stderr
    assert "3 passed" in play.stdout, play.stdout
