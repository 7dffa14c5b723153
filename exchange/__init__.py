"""Catalogue exchange (liên thông): the OAI-PMH 2.0 provider of Hoclieu's materials."""
