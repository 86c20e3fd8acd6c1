"""Which rules run for which (tool, record type). One rule per moment type and record type.

`repeat_request` and `spike` are not here: they compare a customer's or a category's
moments over a window, so they come from insights, which write them as moments.
"""

from momentos.moments import anniversaries, birthdays, deals, invoices, renewals, surveys, tickets
from momentos.moments.usage import usage_drop

RULES = {
    ("zendesk", "ticket"): (tickets.support_request, tickets.complaint, tickets.service_completed),
    ("zendesk", "satisfaction_rating"): (surveys.survey_answered, surveys.unhappy_with_comment),
    ("momentos", "survey_answer"): (surveys.survey_answered, surveys.unhappy_with_comment),
    ("zendesk", "user"): (birthdays.birthday, usage_drop),
    ("zendesk", "organization"): (anniversaries.company_anniversary, usage_drop),
    ("hubspot", "contact"): (birthdays.birthday, usage_drop),
    ("hubspot", "company"): (anniversaries.company_anniversary, renewals.renewal_due, usage_drop),
    ("hubspot", "deal"): (
        deals.service_completed,
        renewals.renewal_due,
        deals.deal_delayed,
        deals.price_change,
    ),
    ("hubspot", "invoice"): (invoices.billing_variation, invoices.payment_late),
}

# What the rules yield; `momentos renormalize` judges only these (insights write the rest).
DERIVED_TYPES = frozenset(
    {
        "complaint",
        "support_request",
        "service_completed",
        "survey_answered",
        "renewal_due",
        "billing_variation",
        "payment_late",
        "company_anniversary",
        "birthday",
        "usage_drop",
        "deal_delayed",
        "price_change",
    }
)
# Moments on a future local day: predictions, withdrawn when a newer version no longer
# yields them (a renewal date moved, a deal closed, a birthday corrected).
PREDICTED_TYPES = frozenset({"birthday", "company_anniversary", "renewal_due"})
# Record types whose newest version yields more moments as time passes (re-derived daily).
DATED_RECORDS = frozenset(
    {("hubspot", "contact"), ("hubspot", "company"), ("hubspot", "deal"),
     ("hubspot", "invoice"), ("zendesk", "user"), ("zendesk", "organization")}
)  # fmt: skip
