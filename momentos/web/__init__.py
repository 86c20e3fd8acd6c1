"""Flask blueprints: webhooks, health, and (later) the admin UI and its JSON API."""
