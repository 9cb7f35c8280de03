"""One thin router per resource: jobs, solvers, kinds, health and metrics."""
