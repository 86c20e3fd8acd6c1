"""Mail: the SMTP "connector" through which Momentos writes to customers (surveys).

Unlike Zendesk and HubSpot there is nothing to poll and nothing to look up: SMTP cannot
say whether a message was delivered before a crash, so an unknown outcome goes to review
(`LOOKUP_LAG = None`) instead of being sent again.
"""

TOOL = "mail"
