"""The platform's ground floor: its one error type, its settings and environment, its own database, and ending the processes it starts."""
