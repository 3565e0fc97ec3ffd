"""vaxel: a municipal switchboard (växel) that keeps the telephony policy by construction."""

__version__ = "0.1.0"
