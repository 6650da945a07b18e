"""Scenarios: a drill's data (`model`: pure, what `check` reads back) apart from loading and validating
a file into it (`load`: it checks names against the registries and the kinds of stack)."""
