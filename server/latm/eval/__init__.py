"""``latm eval``: does a tool pay off? The paper's protocol on any data set, against fair baselines.

One run answers the same test questions with each method (the tool's parser, the user model
using the tool, the user model alone directly and with chain of thought, the maker model with
chain of thought, a fresh program per question), scores every answer with the solve path's
comparison (``latm.multiple_choice``), and writes a table, a report and plots.

- ``data``: the data set, streamed (JSON lines) or read whole (documents), split as the paper;
- ``methods``: what each method does with one question;
- ``cache``: answers already paid for, so a re-run or a resumed run asks only for the rest;
- ``runner``: one method over the test set, with bounded concurrency, in order;
- ``tally`` and ``economics``: accuracy, intervals, tokens, cost, latency, break-even;
- ``outputs`` and ``plots``: results.json, results.csv, report.md, the figures;
- ``evaluate``: the whole run, as the CLI and the language server call it.

This package's ``__init__`` imports nothing, so ``latm.eval.arguments`` stays cheap for the CLI.
"""
