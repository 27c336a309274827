"""What every surface of the service stands on: shared request types (more rooms to come)."""
