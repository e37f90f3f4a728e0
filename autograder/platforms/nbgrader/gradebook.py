"""The sandbox's grades (`dlcourse grade --nbgrader COURSE_DIR`) in nbgrader's gradebook."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from autograder.config import ConfigError
from autograder.platforms.nbgrader.export import task_cell_id
from autograder.results import SubmissionResult


def gradebook_url(course_dir: Path) -> str:
    """The gradebook of an nbgrader course directory, as its nbgrader_config.py says."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course_dir = Path(course_dir).resolve()
    config = Config()
    if (course_dir / "nbgrader_config.py").is_file():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    if "root" not in config.CourseDirectory:  # relative to the course, not to where we run
        config.CourseDirectory.root = str(course_dir)
    coursedir = CourseDirectory(config=config)
    return str(coursedir.db_url)


def write_gradebook(course_dir: Path, assignment: str, results: Iterable[SubmissionResult]) -> int:
    """Put each student's per-task points into the course's gradebook; returns how many.

    The assignment must be in the gradebook (`nbgrader generate_assignment`
    puts it there). Each task's grade cell gets the sandbox's points as its
    manual score, which formgrader, `nbgrader export` and feedback show in
    place of any score `nbgrader autograde` computed in the student's kernel.
    """
    from nbgrader.api import Gradebook, MissingEntry

    course_dir = Path(course_dir)
    written = 0
    with Gradebook(gradebook_url(course_dir)) as gradebook:
        try:
            entry = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise ConfigError(
                f"{assignment} is not in the gradebook of {course_dir}: run "
                f"`nbgrader generate_assignment {assignment}` there first"
            ) from None
        if not entry.notebooks:
            raise ConfigError(f"{assignment} has no notebook in the gradebook of {course_dir}")
        notebook = entry.notebooks[0].name
        for result in results:
            gradebook.update_or_create_student(result.student)
            try:
                gradebook.find_submission(assignment, result.student)
            except MissingEntry:
                gradebook.add_submission(assignment, result.student)
            # points earned per task, late penalty not applied (nbgrader applies its own)
            for task, (score, _) in result.task_scores().items():
                try:
                    grade = gradebook.find_grade(
                        task_cell_id(task), notebook, assignment, result.student
                    )
                except MissingEntry:
                    continue
                grade.manual_score = round(score, 6)
                grade.needs_manual_grade = False
                if grade.auto_score is None:
                    grade.auto_score = round(score, 6)
            gradebook.db.commit()
            written += 1
    return written
