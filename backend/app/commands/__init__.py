"""CLI commands, one module per domain; ``app.cli`` gathers them."""
