"""Helpers for tests and benchmarks (like django.test): not used by the running product."""
