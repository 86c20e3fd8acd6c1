"""A local, stateful stand-in for the parts of Zendesk, HubSpot and mail that Momentos uses."""
