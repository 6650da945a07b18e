"""The DR programme: every run remembered, trends over time, proofs kept fresh, audit packs.

A single drill answers "did this hold today?". A programme answers "has every commitment of the SLA
been proven recently enough, and is it getting worse?":

- `records`: one run directory (verified) as one `RunRecord`, with its verdict against every tier;
- `index`: those records in an SQLite file beside the reports, rebuildable from the directories;
- `programme`: `dr-programme.yaml`, which maps each SLA commitment to the drills that prove it and
  how often they must pass;
- `freshness`: each commitment's last passing proof and its age, as of a given moment;
- `trend`: RTO/RPO over time per scenario, weekly percentiles, regression markers (trend.html);
- `metrics`: OpenMetrics text for node_exporter's textfile collector;
- `audit`: the audit pack (audit.html, audit.pdf, the run directories, a signed manifest) and its check.

Everything here takes the clock (`now`) as an argument, so tests run on a fixed one.
"""
