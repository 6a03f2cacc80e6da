"""Extraction: ParsedMessage -> ExtractResult, the contract JSON."""
