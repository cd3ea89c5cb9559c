"""The tamper-evident audit trail: events, their hash chain in SQL, and what it says about who was champion when."""
