"""Running drills: the runner (the one module that knows a drill's order), the executor of its steps,
campaigns of several runs with a warm reset between them, and the smoke test."""
