"""The quiz engine: bilingual question banks, answer files, grading and the `quiz` CLI.

Modules: `bank` (bank format, validation, key-less student editions),
`formula` (the safe expression language of parametrized questions),
`answers` (the answer-file format), `engine` (judging and grading into
results.json / grades.csv), `take` (the interactive session) and `cli`.
None of them imports torch.
"""
