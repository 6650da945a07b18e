"""From a history to a verdict, and again later: the judgement recipe the runner and `check` share,
the recheck of a stored run directory, and its signature. No Docker: an auditor's `check` runs here."""
