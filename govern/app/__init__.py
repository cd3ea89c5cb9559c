"""The application layer: launching flows, the demo, team training on a work pool, and progress on the terminal."""
