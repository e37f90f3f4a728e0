"""The quiz engine: bilingual question banks, answer files, grading and the `quiz` CLI.

Modules: `bank` (the facade over `schema`, `validate`, `keys`, `draw`, `edition`),
`formula` (the safe expression language of parametrized questions),
`korean` (particles that agree with drawn numbers), `answers` (the
answer-file format), `engine` (judging and grading into results.json /
grades.csv), `take` (the interactive session), `paper` (one student's version
to print) and `cli`.
None of them imports torch.
"""
