"""Routing kernel: snapshot in, decisions out."""
