"""Momentos: moments of truth from Zendesk and HubSpot, turned into proactive work."""
