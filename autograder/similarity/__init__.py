"""`dlcourse similarity`: which submissions of an assignment look copied from each other.

Every pair of submissions is compared the way MOSS and Gradescope compare
code: copydetect fingerprints each submission (hashed k-grams of its token
text, identifiers and strings normalized, comments dropped), the starter
code's fingerprints are removed as boilerplate, and a pair's similarity is
the share of each side's fingerprinted code that the other side matches.
The result is one self-contained HTML page (pairs ranked, a side-by-side view
of each pair at or above the threshold with the matched regions marked) and
a CSV of every pair.

Modules: `documents` (reading submissions through the batch's intake, the
starter code), `compare` (copydetect), `render` (HTML and CSV). A high score
is a reason to look, not a verdict: the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import load_course
from autograder.errors import UsageError
from autograder.similarity.compare import KGRAM, Pair, flagged
from autograder.similarity.documents import Document, Refused

__all__ = ["SimilarityReport", "similarity_report"]


@dataclass
class SimilarityReport:
    """What `similarity_report` compared and wrote."""

    assignment: str
    threshold: float
    kgram: int
    documents: list[Document]
    refused: list[Refused]
    pairs: list[Pair]
    boilerplate: list[str]
    starter_only: list[str] = field(default_factory=list)  # nothing beyond the starter code
    html: Path | None = None
    csv: Path | None = None

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if flagged(p, self.threshold)]


def similarity_report(
    assignment: str,
    submissions: list[Path],
    *,
    out: Path,
    threshold: float = 0.5,
    csv_path: Path | None = None,
    root: Path | None = None,
    kgram: int = KGRAM,
    max_views: int = 100,
) -> SimilarityReport:
    """Compare every pair of `submissions` of `assignment`; write `out` (HTML) and a CSV.

    `threshold` (0-1): pairs whose similarity reaches it are flagged and shown
    side by side (the first `max_views` of them). The CSV (every pair) goes to
    `csv_path`, by default next to `out` with the suffix .csv.
    """
    from autograder.similarity.compare import boilerplate_hashes, compare_all, fingerprint
    from autograder.similarity.documents import boilerplate, read_submissions
    from autograder.similarity.render import write_csv, write_html

    out = Path(out)
    table = Path(csv_path) if csv_path is not None else out.with_suffix(".csv")
    if table.resolve() == out.resolve():
        raise UsageError(f"the page and the CSV would both be {out}: give the page a .html name")
    course = load_course(root)
    spec = course.assignment(assignment)
    documents, refused = read_submissions(spec, [Path(s) for s in submissions], course)
    starter = boilerplate(spec, course.root)
    common = boilerplate_hashes(starter.values(), kgram)
    prints = {d.student: fingerprint(d.text, kgram, common) for d in documents}
    pairs = compare_all(prints, threshold=threshold, max_regions=max_views)
    report = SimilarityReport(
        assignment=assignment,
        threshold=threshold,
        kgram=kgram,
        documents=documents,
        refused=refused,
        pairs=pairs,
        boilerplate=sorted(starter),
        starter_only=[d.student for d in documents if prints[d.student].coverage == 0],
        csv=table,
    )
    write_csv(report, table)
    write_html(report, out)
    report.html = out
    return report
