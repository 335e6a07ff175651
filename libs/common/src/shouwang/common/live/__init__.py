"""Live feeds: one LISTEN connection per process wakes the open SSE streams it concerns."""
