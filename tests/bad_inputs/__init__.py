"""The bad-input corpus (issue 12): what planners' spreadsheets, files and typing will feed ddmgeo.

Every case asserts a specific ddmgeo exception (or a documented builtin) with a message that names the row or
field and the fix, or a report entry that accounts for the input: never a silent drop, a dependency's bare
error or a wrong number. Cases are parametrised with ids, so ``pytest --collect-only -q tests/bad_inputs``
counts the corpus.
"""
