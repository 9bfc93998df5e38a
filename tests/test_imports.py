"""torch and pandas stay off the start-up path of study, stats and the home screen."""

import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES


def probe(code: str, *args: object) -> str:
    """Run `code` in a fresh interpreter and return what it printed (it must succeed)."""
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


PROBE = """
import sys
from pathlib import Path
from quizapp.application.collection import Collection
from quizapp.core.study import StudySession, deck_overview
import quizapp.cli, quizapp.tui.app, quizapp.tui.screens.home, quizapp.tui.screens.study
collection = Collection.open(Path(sys.argv[1]), [Path(sys.argv[2])])
from quizapp.core.clock import utc_now
deck_overview(collection.db, collection.settings, utc_now())
StudySession(collection.db, collection.settings).next_card(utc_now())
heavy = sorted(m for m in ("torch", "pandas", "numpy", "fsrs_rs_python") if m in sys.modules)
print(",".join(heavy) or "none")
"""


def test_study_path_imports_neither_torch_nor_pandas(tmp_path: Path):
    assert probe(PROBE, tmp_path / "home", FIXTURES / "decks") == "none"


def test_domain_never_imports_textual():
    code = "import sys, quizapp.application.collection, quizapp.core.study, quizapp.core.sync; print('textual' in sys.modules)"
    assert probe(code) == "False"


HOME_PROBE = """
import sys
from pathlib import Path
from quizapp.application.collection import Collection
from quizapp.exercises.catalog import load_catalog
from quizapp.exercises.progress import ExerciseProgress
import quizapp.tui.screens.home, quizapp.tui.screens.exercise
collection = Collection.open(Path(sys.argv[1]))
load_catalog(collection.content_dirs)
ExerciseProgress(collection.db, collection.settings).statuses()
print("torch" in sys.modules)
"""


def test_home_screen_with_exercises_does_not_import_torch(tmp_path: Path):
    assert probe(HOME_PROBE, tmp_path / "home") == "False"


STATS_PROBE = """
import sys
from pathlib import Path
from quizapp.application.collection import Collection
from quizapp.core.clock import utc_now
from quizapp.stats.figures import compute_stats
import quizapp.tui.screens.stats
collection = Collection.open(Path(sys.argv[1]))
compute_stats(collection.db, collection.settings, utc_now())
print("torch" in sys.modules)
"""


def test_stats_path_does_not_import_torch(tmp_path: Path):
    assert probe(STATS_PROBE, tmp_path / "home") == "False"


FIRST_CARD_PROBE = """
import sys
from pathlib import Path
from quizapp.application.collection import Collection
from quizapp.core.clock import utc_now
from quizapp.core.study import StudySession
collection = Collection.open(Path(sys.argv[1]), [Path(sys.argv[2])], builtin=False)
StudySession(collection.db, collection.settings).next_card(utc_now())
print("sqlite_utils" in sys.modules)
"""


def test_an_up_to_date_collection_shows_its_first_card_without_sqlite_utils(tmp_path: Path):
    assert probe(FIRST_CARD_PROBE, tmp_path / "home", FIXTURES / "decks") == "True"  # creating it needs it
    assert probe(FIRST_CARD_PROBE, tmp_path / "home", FIXTURES / "decks") == "False"
