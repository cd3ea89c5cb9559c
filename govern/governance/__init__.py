"""Where approval and promotion are decided: separation of duties, the approval signature, registration, promotion, rollback,
audit findings and the inventory."""
