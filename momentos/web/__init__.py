"""Flask blueprints: webhooks, health, metrics, the admin UI (`ui/`) and its JSON API."""
