"""The user's files, read and validated: the one safe reader, tiers, the faults' and actions' typed
parameters, the backup policy, and where a default file comes from (working directory or package)."""
