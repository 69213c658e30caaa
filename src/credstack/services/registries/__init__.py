"""Issuer registries the operator imports, so that issuers others vouch for count here."""
