"""Reading MIME: bytes -> ParsedMessage (text, quotes, signature, attachments)."""
