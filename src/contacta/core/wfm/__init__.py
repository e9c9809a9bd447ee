"""Workforce-management mathematics: Erlang B, C and A, and staffing."""
