"""Locust load: a load profile (`profile.py`), the Locust users (`locustfile.py`, run only inside
Locust's own processes, never imported here) and the runner that starts Locust beside a drill and
streams its statistics into the run's history (`runner.py`)."""
