"""Discrete-event simulation of a contact center that drives the real routing kernel."""
