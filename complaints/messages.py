"""The complaints app's message codes (common/messages.py): every text the system writes about a
complaint — a timeline step, an inbox message, a mail or an SMS — is stored as one of these
codes with its parameters and rendered in the reader's language when read or sent.

Imported by the models module, so the codes are defined wherever a complaint can be read.
"""

from django.utils.translation import gettext_noop

from common.messages import define

# The timeline: what the system writes beside the actors' own words.
CLAIMED = define("complaints.claimed", gettext_noop("%(name)s handles this complaint."))
PROPOSAL_ACCEPTED = define(
    "complaints.proposal_accepted", gettext_noop("The consumer accepted the merchant's proposal.")
)
SILENT = define(
    "complaints.silent", gettext_noop("No answer by the due date: the regulator mediates.")
)
RATED = define("complaints.rated", gettext_noop("Rated %(n)d of 5."))
DECLINED = define("complaints.declined", gettext_noop("Ground for declining: %(ground)s"))
RETURN_CALL_REACHED = define(
    "complaints.return_call.reached",
    gettext_noop(
        "Return call on %(day)s: the consumer was reached. Satisfaction: %(satisfaction)s."
    ),
)
RETURN_CALL_NOT_REACHED = define(
    "complaints.return_call.not_reached",
    gettext_noop("Return call on %(day)s: the consumer could not be reached."),
)
FILED_FOR_CALLER = define(
    "complaints.filed_for_caller", gettext_noop("%(role)s %(name)s (filed for the caller)")
)
FILED_AT_STATION = define(
    "complaints.filed_at_station",
    gettext_noop("%(role)s %(name)s (filed for the caller at the %(station)s liaison station)"),
)

# Handling paths: linking to a merchant, direct handling, transfers.
LINKED = define(
    "complaints.linked",
    gettext_noop("Linked to the registered merchant %(merchant)s (%(uscc)s)."),
)
LINKED_MOVED = define(
    "complaints.linked.moved",
    gettext_noop(
        "Linked to the registered merchant %(merchant)s (%(uscc)s); the complaint moves to "
        "%(county)s, the merchant's county."
    ),
)
DIRECT = define(
    "complaints.direct",
    gettext_noop("The regulator handles the complaint directly with the business."),
)
CONTACT = define(
    "complaints.contact", gettext_noop("Contact with the business on %(day)s: %(method)s.")
)
TRANSFER_REQUESTED = define(
    "complaints.transfer.requested",
    gettext_noop("Transfer to %(county)s requested; its regulator accepts or refuses it."),
)
TRANSFER_ACCEPTED = define(
    "complaints.transfer.accepted",
    gettext_noop("%(county)s took the complaint over; its regulator decides on it by %(due)s."),
)
TRANSFER_REFUSED = define(
    "complaints.transfer.refused",
    gettext_noop("%(county)s refused the transfer; the complaint stays in %(home)s."),
)
TRANSFERRED_OUT = define(
    "complaints.transferred_out",
    gettext_noop("Transferred to %(authority)s (%(province)s) for handling there."),
)
TRANSFER_IN_SUBJECT = define(
    "complaints.transfer.in.subject",
    gettext_noop("Complaint %(number)s is transferred to %(county)s"),
)
TRANSFER_IN_BODY = define(
    "complaints.transfer.in.body",
    gettext_noop(
        "%(business)s: %(category)s. %(from)s asks %(county)s to take it over: %(reason)s "
        "Accept or refuse the transfer."
    ),
)
TRANSFER_ACCEPTED_SUBJECT = define(
    "complaints.transfer.accepted.subject",
    gettext_noop("Complaint %(number)s: %(county)s took the transfer"),
)
TRANSFER_REFUSED_SUBJECT = define(
    "complaints.transfer.refused.subject",
    gettext_noop("Complaint %(number)s: %(county)s refused the transfer"),
)

# The merchant's people and the handlers.
STEP_SUBJECT = define(
    "complaints.step.subject.number", gettext_noop("Complaint %(number)s: %(state)s")
)
OVERDUE_SUBJECT = define(
    "complaints.overdue.subject", gettext_noop("A complaint is past its deadline")
)
OVERDUE_BODY = define("complaints.overdue.body.number", gettext_noop("Complaint %(number)s"))
NEW_SUBJECT = define(
    "complaints.new.subject.number", gettext_noop("New complaint %(number)s in %(county)s")
)
NEW_BODY = define(
    "complaints.new.body",
    gettext_noop("%(business)s: %(category)s. Accept or decline it by %(due)s."),
)
DIGEST_SUBJECT = define(
    "complaints.digest.subject", gettext_noop("New complaints on %(day)s: %(n)d")
)
DIGEST_LINE = define(
    "complaints.digest.line.number",
    gettext_noop("%(number)s %(county)s · %(business)s: %(category)s"),
)

# The consumer.
RECEIVED_SUBJECT = define(
    "complaints.consumer.received.subject.number",
    gettext_noop("Your complaint %(number)s is received"),
)
RECEIVED_BODY = define(
    "complaints.consumer.received.body.number",
    gettext_noop(
        "Your complaint about %(business)s is received; its number is %(number)s. The regulator "
        "accepts or declines it by %(due)s. Follow it with the link below; if you lose the link, "
        "find the complaint again with its number and your phone."
    ),
)
CONSUMER_STEP_BODY = define(
    "complaints.consumer.step.body",
    gettext_noop("Your complaint about %(business)s: %(state)s."),
)
CONSUMER_MESSAGE_SUBJECT = define(
    "complaints.consumer.message.subject.number",
    gettext_noop("Complaint %(number)s: a new message"),
)
CONSUMER_MESSAGE_BODY = define(
    "complaints.consumer.message.body",
    gettext_noop("%(role)s wrote on your complaint about %(business)s."),
)
SMS_STEP = define(
    "complaints.sms.step.number",
    gettext_noop("Complaint %(number)s: %(state)s. Follow it: %(link)s"),
)
SMS_MESSAGE = define(
    "complaints.sms.message.number",
    gettext_noop("Complaint %(number)s: a new message from %(role)s. Follow it: %(link)s"),
)
SMS_LOOKUP_CODE = define(
    "complaints.sms.lookup_code",
    gettext_noop(
        "Your code to open complaint %(number)s: %(passcode)s. It expires in %(minutes)d minutes. "
        "If you did not ask for it, ignore this message."
    ),
)

# Codes of messages stored before complaints had numbers: inbox messages and pending SMS and mail
# still name them, so they keep rendering.
define("complaints.step.subject", gettext_noop("Complaint #%(id)d: %(state)s"))
define("complaints.overdue.body", gettext_noop("Complaint #%(id)d"))
define("complaints.new.subject", gettext_noop("New complaint #%(id)d in %(county)s"))
define("complaints.digest.line", gettext_noop("#%(id)d %(county)s · %(business)s: %(category)s"))
define("complaints.consumer.received.subject", gettext_noop("Your complaint #%(id)d is received"))
define(
    "complaints.consumer.received.body",
    gettext_noop(
        "Your complaint about %(business)s is received. The regulator accepts or declines it "
        "by %(due)s. Follow it with the link below."
    ),
)
define("complaints.consumer.message.subject", gettext_noop("Complaint #%(id)d: a new message"))
define("complaints.sms.step", gettext_noop("Complaint #%(id)d: %(state)s. Follow it: %(link)s"))
define(
    "complaints.sms.message",
    gettext_noop("Complaint #%(id)d: a new message from %(role)s. Follow it: %(link)s"),
)

# A merchant's flag on its disclosure figures, decided by the regulators before publication.
FLAG_DECIDED_SUBJECT = define(
    "complaints.disclosure.flag_decided.subject",
    gettext_noop("Your objection to the %(disclosure)s figures: %(decision)s"),
)
FLAG_DECIDED_BODY = define(
    "complaints.disclosure.flag_decided.body",
    gettext_noop("%(name)s decided: %(decision)s. Reason: %(reason)s"),
)
