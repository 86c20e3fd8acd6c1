"""Which rules run for which (tool, record type). One rule per moment type."""

from momentos.moments import tickets

RULES = {
    ("zendesk", "ticket"): (tickets.support_request, tickets.complaint),
}
