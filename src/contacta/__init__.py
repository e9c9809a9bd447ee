"""Contacta: omnichannel contact-center and BPO operations platform."""

__version__ = "0.1.0"
