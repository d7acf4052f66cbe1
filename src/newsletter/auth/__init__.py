"""Sender authentication: SPF, DKIM, DMARC, alignment, MX, BIMI, MTA-STS, TLS-RPT, PTR."""
