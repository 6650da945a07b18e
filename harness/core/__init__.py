"""The measurement core, the ground floor: the history, the registry, durations, clocks, journeys and
the figures every report shows. Pure: nothing here imports the stack, Docker, or any room above it."""
