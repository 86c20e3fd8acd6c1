"""The HubSpot CRM part of the sandbox: state in `models.py`, HTTP in `routes.py`."""
