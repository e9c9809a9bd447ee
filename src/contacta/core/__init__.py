"""The pure kernel: standard library only, no I/O, no clock reads (time is a parameter)."""
