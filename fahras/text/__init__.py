"""General text vocabulary and helpers shared by indexing and retrieval (no corpus-specific
lists here): dates and month names (:mod:`fahras.text.dates`), digits
(:mod:`fahras.text.digits`)."""
