"""HubSpot CRM: webhooks in, search polled, tasks and notes out."""

TOOL = "hubspot"
# The one place the API version lives: `/crm/v3` today, dated versions (`2026-09`) next.
API_VERSION = "v3"
