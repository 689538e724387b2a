"""Who gets what from every route and API operation: the expected answer for each member of the
cast, checked by tests/test_permission_matrix.py (a route or operation missing here fails it).

Answers: "allow" (2xx or 3xx; for a write also 400/409/415, a refusal of the body or of the
object's state, which comes after the permission), "login" (a redirect to the login page, 401 in
the API), "deny" (403: the asker may see the object but not do this), "hidden" (404: the asker
must not learn that the object or the page exists).

The cast (tests/test_permission_matrix.py builds it): alice owns a merchant in Xihu (330106) and
dave is its staff; bob owns one in Binjiang (330108); carol is a consumer who lodged a complaint
against alice's merchant; regulators of Xihu, of Binjiang, of Hangzhou (330100) and of the
province (330000); a coordinator in Xihu; a platform admin. Every object named in a path is one
of alice's merchant (its declaration, complaint, campaign visit, standing, …), or of alice's own
account (her inbox message, her API token).
"""

CAST = (
    "anonymous",
    "consumer",
    "owner",
    "staff",
    "other_owner",
    "county",
    "other_county",
    "city",
    "province",
    "coordinator",
    "admin",
)

ANSWERS = {"A": "allow", "L": "login", "D": "deny", "H": "hidden"}

# One letter per member of the cast, in CAST's order: anonymous, consumer, owner, staff, other
# owner, county, other county, city, province, coordinator, admin.
RULES = {
    # Anyone, signed in or not (a complaint's tracking link is the key to it).
    "public": "A A A A A A A A A A A",
    # Anyone signed in; what they see is their own (lists scoped to the asker).
    "signed_in": "L A A A A A A A A A A",
    # Regulators' lists and forms, scoped to their region: coordinators are not regulators.
    "regulators": "L H H H H A A A A H A",
    # One object of Xihu: its regulators up the tree and admins; nobody else learns of it.
    "regulator_of_region": "L H H H H A H A A H A",
    # Regulators' and coordinators' lists, scoped to their region; filing a complaint for a
    # caller and the list of those one filed (hotline operators are regulator accounts).
    "supervisors": "L H H H H A A A A A A",
    # A complaint the coordinator filed for a caller: only the one who filed it, read-only.
    "filer_only": "L H H H H H H H H A H",
    # One object of Xihu seen by its regulators up the tree, its coordinator and admins, never
    # by the merchant's people (a coordinator's unscheduled visit).
    "supervisors_of_region": "L H H H H A H A A A A",
    # Logging an unscheduled visit: coordinators only (a page no one else has).
    "coordinators": "L H H H H H H H H A H",
    # The visits' API: coordinators log them; regulators and admins read them but may not post.
    "coordinators_act_regulators_see": "L H H H H D D D D A D",
    # My inspection visits: regulators and coordinators (a platform admin inspects nothing).
    "inspectors": "L H H H H A A A A A H",
    # A county change from Xihu to Binjiang: decided by the receiving county and above.
    "receiving_county": "L H H H H H A A A H A",
    # A complaint's transfer from Xihu to Binjiang: the receiving county's handlers and above
    # accept or refuse it; Xihu's, who sent it, see it and are refused.
    "receiving_handlers_act_sender_sees": "L H H H H D A A A H A",
    # Registering a merchant: never a regulator, coordinator or admin (conflict of interest).
    "not_a_supervisor": "L A A A A H H H H H H",
    # A merchant's people's lists, scoped to their merchants.
    "merchant_people": "L H A A A H H H H H H",
    # One object of alice's merchant, for its people only.
    "member_of_merchant": "L H A A H H H H H H H",
    # Only the merchant's owner (staff are not told it exists).
    "owner_of_merchant": "L H A H H H H H H H H",
    # An object of alice's own account (an inbox message, an API token).
    "own_account": "L H A H H H H H H H H",
    # Seen by the merchant's people and by regulators and coordinators who reach it.
    "merchant_and_its_supervisors": "L H A A H A H A A A A",
    # Seen by the merchant's people and by regulators who reach it (not coordinators).
    "merchant_and_its_regulators": "L H A A H A H A A H A",
    # Attaching a tracked complaint to an account: consumers only (never by holding a link).
    "consumer_only": "L A D D D D D D D D D",
    # Pushing external records: the feed permission, which only the admin holds here.
    "admin_only": "L D D D D D D D D D A",
    # The API answers 403, not 404, to those who may see the object but not act on it:
    # A complaint: its consumer, the merchant's people, regulators who reach it (a coordinator
    # reaches only the complaints they filed, never their region's: this one is carol's own).
    "complaint_parties": "L A A A H A H A A H A",
    # Writing on it: the same.
    "complaint_message": "L A A A H A H A A H A",
    # Handling it: regulators who reach it and admins.
    "handlers_act_parties_see": "L D D D H A H A A H A",
    # Proposing a settlement or disputing: the merchant's people.
    "merchant_acts_parties_see": "L D A A H D H D D H D",
    # A declaration: its merchant's people act; those who reach it only read.
    "members_act_regulators_see": "L H A A H D H D D D D",
    # Appeals and rectification reports on a standing (coordinators do not see standings).
    "members_act_regulators_see_standing": "L H A A H D H D D H D",
    # Editing the merchant: its owner; staff and those who reach it only read.
    "owner_acts_regulators_see": "L H A D H D H D D D D",
    # The history export: the owner and those who reach the merchant; staff are refused.
    "owner_and_supervisors": "L H A D H A H A A A A",
}


def expected(rule: str) -> tuple[str, dict[str, str]]:
    """The rule's answer for each member of the cast."""
    letters = RULES[rule].split()
    assert len(letters) == len(CAST), f"rule {rule!r} has {len(letters)} answers"
    return rule, {who: ANSWERS[letter] for who, letter in zip(CAST, letters, strict=True)}


PAGES: dict[str, str] = {
    # Platform, accounts and the API's own pages
    "account-settings": "signed_in",
    "account-token-revoke": "own_account",
    "account-tokens": "signed_in",
    "account-tokens-revoke-all": "signed_in",
    "api-docs": "public",
    "api-root": "signed_in",
    "api-schema": "public",
    "dashboard": "signed_in",
    "health": "public",
    "home": "public",
    "worklist": "regulators",
    "login": "public",
    "logout": "public",
    "password_change": "signed_in",
    "password_change_done": "signed_in",
    "password_reset": "public",
    "password_reset_complete": "public",
    "password_reset_confirm": "public",
    "password_reset_done": "public",
    "ready": "public",
    "set_language": "public",
    "signup": "public",
    # Merchants, staff and county changes
    "county-change-decide": "receiving_county",
    "invitation-accept": "signed_in",
    "invitation-revoke": "owner_of_merchant",
    "membership-remove": "owner_of_merchant",
    "merchant-county-change": "owner_of_merchant",
    "merchant-detail": "merchant_and_its_supervisors",
    "merchant-edit": "owner_of_merchant",
    # The merchant's file (一户一档) and its JSON: its people (their copy), its regulators (all).
    "merchant-file": "merchant_and_its_regulators",
    "merchant-file-json": "merchant_and_its_regulators",
    "merchant-register": "not_a_supervisor",
    "merchant-staff": "owner_of_merchant",
    "regulator-county-changes": "supervisors",
    "regulator-declarations": "supervisors",
    "regulator-merchants": "supervisors",
    # Village liaison stations: the regulators' pages, the public list
    "station-create": "regulators",
    "station-edit": "regulator_of_region",
    "station-list": "regulators",
    "station-public-list": "public",
    # The supervision cockpit and the downloads of its tables, scoped to the regulator's region
    "supervision": "regulators",
    "supervision-download": "regulators",
    # Declarations
    "declaration-create": "member_of_merchant",
    "declaration-detail": "merchant_and_its_supervisors",
    "declaration-document": "merchant_and_its_supervisors",
    "declaration-document-remove": "member_of_merchant",
    "declaration-edit": "member_of_merchant",
    "declaration-submit": "member_of_merchant",
    "declaration-withdraw": "member_of_merchant",
    # Inbox
    "inbox": "signed_in",
    "inbox-open": "own_account",
    "inbox-read-all": "signed_in",
    # Review: the declaration queue
    "review-approve": "regulator_of_region",
    "review-bulk-approve": "regulators",
    "review-claim": "regulator_of_region",
    "review-detail": "regulator_of_region",
    "review-queue": "regulators",
    "review-reject": "regulator_of_region",
    "review-release": "regulator_of_region",
    "review-rescreen": "regulator_of_region",
    "review-return": "regulator_of_region",
    # Review: campaigns and inspections
    "campaign-close": "regulator_of_region",
    "campaign-detail": "regulator_of_region",
    "campaign-draw": "regulator_of_region",
    "campaign-export-csv": "regulator_of_region",
    "campaign-export-json": "regulator_of_region",
    "campaign-list": "regulators",
    "campaign-verify": "regulator_of_region",
    "inspection-accept": "regulator_of_region",
    "inspection-assignments": "inspectors",
    "inspection-file": "regulator_of_region",
    "inspection-record": "regulator_of_region",
    "inspection-reject": "regulator_of_region",
    "patrol-create": "coordinators",
    "patrol-detail": "supervisors_of_region",
    "patrol-list": "supervisors",
    "patrol-photo": "supervisors_of_region",
    "merchant-inspection-detail": "member_of_merchant",
    "merchant-inspection-file": "member_of_merchant",
    "merchant-inspection-rectify": "member_of_merchant",
    "merchant-inspections": "merchant_people",
    # Complaints: the public side (the tracking link is the key)
    "complaint-file": "supervisors",
    "complaint-filed": "supervisors",
    "complaint-filed-detail": "filer_only",
    "complaint-lookup": "public",
    "complaint-mine": "signed_in",
    "complaint-new": "public",
    "complaint-track": "public",
    "complaint-track-accept": "public",
    "complaint-track-attach": "signed_in",
    "complaint-track-evidence": "public",
    "complaint-track-message": "public",
    "complaint-track-rate": "public",
    "complaint-track-reject": "public",
    "complaint-track-reopen": "public",
    "complaint-track-withdraw": "public",
    # Complaints: the merchant's desk and the regulators' queue
    "complaint-merchant-desk": "merchant_people",
    "complaint-merchant-detail": "member_of_merchant",
    "complaint-merchant-dispute": "member_of_merchant",
    "complaint-merchant-evidence": "member_of_merchant",
    "complaint-merchant-message": "member_of_merchant",
    "complaint-merchant-propose": "member_of_merchant",
    "complaint-queue": "regulators",
    "complaint-queue-accept": "regulator_of_region",
    "complaint-queue-case-file": "regulator_of_region",
    "complaint-queue-claim": "regulator_of_region",
    "complaint-queue-decline": "regulator_of_region",
    "complaint-queue-detail": "regulator_of_region",
    "complaint-queue-evidence": "regulator_of_region",
    "complaint-queue-export-csv": "regulators",
    "complaint-queue-export-xlsx": "regulators",
    "complaint-queue-fail": "regulator_of_region",
    "complaint-queue-message": "regulator_of_region",
    "complaint-queue-return-call": "regulator_of_region",
    "complaint-queue-settle": "regulator_of_region",
    "complaint-station": "regulator_of_region",
    "complaint-queue-link": "regulator_of_region",
    "complaint-queue-direct": "regulator_of_region",
    "complaint-queue-contact": "regulator_of_region",
    "complaint-queue-pass": "regulator_of_region",
    "complaint-queue-transfer": "regulator_of_region",
    "complaint-queue-transfer-accept": "regulator_of_region",
    "complaint-queue-transfer-refuse": "regulator_of_region",
    "complaint-queue-transfer-out": "regulator_of_region",
    # Disclosure
    "disclosure-csv": "public",
    "disclosure-detail": "public",
    "disclosure-flag": "member_of_merchant",
    "disclosure-flag-decide": "regulator_of_region",
    "disclosure-flags": "regulators",
    "disclosure-list": "public",
    "disclosure-preview": "signed_in",
    "disclosure-reply": "member_of_merchant",
    # Ratings: the merchant's standing and the regulators' pools
    "appeal-queue": "regulators",
    "nomination-list": "regulators",
    "pool-appeal-decide": "regulator_of_region",
    "pool-browser": "regulators",
    "pool-browser-csv": "regulators",
    "pool-exit": "regulator_of_region",
    "pool-merchant": "regulator_of_region",
    "pool-rectification-decide": "regulator_of_region",
    "rating-file": "merchant_and_its_regulators",
    "rectification-queue": "regulators",
    "run-list": "regulators",
    "standing-appeal": "member_of_merchant",
    "standing-list": "signed_in",
    "standing-merchant": "merchant_and_its_regulators",
    "standing-rectify": "member_of_merchant",
    # Store pages
    "store-page": "public",
    "store-poster": "public",
    "store-qr-png": "public",
    "store-qr-svg": "public",
    "store-search": "public",
}

API: dict[str, str] = {
    # /api/v1/auth/
    "POST /api/v1/auth/token/": "public",
    "GET /api/v1/auth/tokens/": "signed_in",
    "GET /api/v1/worklist/": "regulators",
    "DELETE /api/v1/auth/tokens/{key}/": "own_account",
    # /api/v1/complaints/
    "GET /api/v1/complaints/": "signed_in",
    "GET /api/v1/complaints/disclosure-flags/": "signed_in",
    "POST /api/v1/complaints/disclosure-flags/{id}/decide/": "regulator_of_region",
    "GET /api/v1/complaints/disclosure-preview/": "signed_in",
    "POST /api/v1/complaints/disclosure-preview/{id}/flag/": "member_of_merchant",
    "POST /api/v1/complaints/disclosure-preview/{id}/reply/": "member_of_merchant",
    "GET /api/v1/complaints/disclosures/": "public",
    # The list's export: each gets their own scope (a merchant's people the phone masked).
    "GET /api/v1/complaints/export/csv/": "signed_in",
    "GET /api/v1/complaints/export/xlsx/": "signed_in",
    "GET /api/v1/complaints/disclosures/{id}/": "public",
    "GET /api/v1/complaints/disclosures/{id}/merchants/": "public",
    "GET /api/v1/complaints/disclosures/{id}/regions/": "public",
    "GET /api/v1/complaints/figures/{public_code}/": "public",
    "POST /api/v1/complaints/intake/": "public",
    "POST /api/v1/complaints/lookup/": "public",
    "POST /api/v1/complaints/lookup/verify/": "public",
    "GET /api/v1/complaints/track/{token}/": "public",
    "POST /api/v1/complaints/track/{token}/accept-proposal/": "public",
    "POST /api/v1/complaints/track/{token}/attach/": "consumer_only",
    "GET /api/v1/complaints/track/{token}/evidence/{evidence_pk}/": "public",
    "POST /api/v1/complaints/track/{token}/message/": "public",
    "POST /api/v1/complaints/track/{token}/rate/": "public",
    "POST /api/v1/complaints/track/{token}/reject-proposal/": "public",
    "POST /api/v1/complaints/track/{token}/reopen/": "public",
    "POST /api/v1/complaints/track/{token}/withdraw/": "public",
    "GET /api/v1/complaints/{id}/": "complaint_parties",
    "POST /api/v1/complaints/{id}/accept/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/claim/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/decline/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/dispute/": "merchant_acts_parties_see",
    "GET /api/v1/complaints/{id}/evidence/{evidence_pk}/": "complaint_parties",
    "POST /api/v1/complaints/{id}/fail/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/message/": "complaint_message",
    "POST /api/v1/complaints/{id}/propose/": "merchant_acts_parties_see",
    "POST /api/v1/complaints/{id}/return-call/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/settle/": "handlers_act_parties_see",
    "GET /api/v1/complaints/{id}/merchant-candidates/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/link-merchant/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/handle-directly/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/contacts/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/pass-to-merchant/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/transfer/": "handlers_act_parties_see",
    "POST /api/v1/complaints/{id}/transfer-out/": "handlers_act_parties_see",
    "GET /api/v1/complaints/transfers/": "regulators",
    "POST /api/v1/complaints/transfers/{id}/accept/": "receiving_handlers_act_sender_sees",
    "POST /api/v1/complaints/transfers/{id}/refuse/": "receiving_handlers_act_sender_sees",
    # /api/v1/declarations/
    "GET /api/v1/declarations/": "signed_in",
    "POST /api/v1/declarations/": "signed_in",
    "GET /api/v1/declarations/{id}/": "merchant_and_its_supervisors",
    "PATCH /api/v1/declarations/{id}/": "members_act_regulators_see",
    "POST /api/v1/declarations/{id}/documents/": "members_act_regulators_see",
    "POST /api/v1/declarations/{id}/submit/": "members_act_regulators_see",
    "POST /api/v1/declarations/{id}/withdraw/": "members_act_regulators_see",
    # /api/v1/feeds/
    "POST /api/v1/feeds/{source}/": "admin_only",
    # /api/v1/merchants/
    "GET /api/v1/merchants/": "signed_in",
    "POST /api/v1/merchants/": "signed_in",
    "GET /api/v1/merchants/{id}/": "merchant_and_its_supervisors",
    "PATCH /api/v1/merchants/{id}/": "owner_acts_regulators_see",
    "GET /api/v1/merchants/{id}/export/": "owner_and_supervisors",
    "GET /api/v1/merchants/{id}/file/": "merchant_and_its_regulators",
    # /api/v1/public/
    "GET /api/v1/public/merchants/": "public",
    "GET /api/v1/public/merchants/{public_code}/": "public",
    "GET /api/v1/public/stations/": "public",
    # /api/v1/ratings/
    "GET /api/v1/ratings/appeals/": "regulators",
    "GET /api/v1/ratings/appeals/{id}/": "regulator_of_region",
    "POST /api/v1/ratings/appeals/{id}/decide/": "regulator_of_region",
    "POST /api/v1/ratings/merchants/{id}/appeals/": "members_act_regulators_see_standing",
    "POST /api/v1/ratings/merchants/{id}/rectifications/": "members_act_regulators_see_standing",
    "GET /api/v1/ratings/merchants/{id}/standing/": "merchant_and_its_regulators",
    "POST /api/v1/ratings/merchants/{merchant_pk}/exit/": "regulator_of_region",
    "GET /api/v1/ratings/nominations/": "regulators",
    "POST /api/v1/ratings/nominations/": "regulators",
    "GET /api/v1/ratings/rectifications/": "regulators",
    "POST /api/v1/ratings/rectifications/{id}/decide/": "regulator_of_region",
    "GET /api/v1/ratings/runs/": "regulators",
    "GET /api/v1/ratings/standings/": "regulators",
    "GET /api/v1/ratings/standings/{merchant_pk}/": "regulator_of_region",
    # /api/v1/regions/
    "GET /api/v1/regions/": "signed_in",
    "GET /api/v1/regions/{code}/": "signed_in",
    # /api/v1/review/
    "GET /api/v1/review/campaigns/": "regulators",
    "POST /api/v1/review/campaigns/": "regulators",
    "GET /api/v1/review/campaigns/{id}/": "regulator_of_region",
    "POST /api/v1/review/campaigns/{id}/close/": "regulator_of_region",
    "POST /api/v1/review/campaigns/{id}/draw/": "regulator_of_region",
    "GET /api/v1/review/campaigns/{id}/export/": "regulator_of_region",
    "GET /api/v1/review/campaigns/{id}/verify/": "regulator_of_region",
    "GET /api/v1/review/campaigns/{id}/visits/": "regulator_of_region",
    "GET /api/v1/review/declarations/": "regulators",
    "POST /api/v1/review/declarations/bulk-approve/": "regulators",
    "GET /api/v1/review/declarations/{id}/": "regulator_of_region",
    "POST /api/v1/review/declarations/{id}/approve/": "regulator_of_region",
    "POST /api/v1/review/declarations/{id}/claim/": "regulator_of_region",
    "POST /api/v1/review/declarations/{id}/reject/": "regulator_of_region",
    "POST /api/v1/review/declarations/{id}/release/": "regulator_of_region",
    "POST /api/v1/review/declarations/{id}/rescreen/": "regulator_of_region",
    "POST /api/v1/review/declarations/{id}/return/": "regulator_of_region",
    "GET /api/v1/review/inspections/": "supervisors",
    "GET /api/v1/review/inspections/{id}/": "regulator_of_region",
    "POST /api/v1/review/inspections/{id}/accept/": "regulator_of_region",
    "POST /api/v1/review/inspections/{id}/record/": "regulator_of_region",
    "POST /api/v1/review/inspections/{id}/reject/": "regulator_of_region",
    "GET /api/v1/review/patrols/": "supervisors",
    "POST /api/v1/review/patrols/": "coordinators_act_regulators_see",
    "GET /api/v1/review/patrols/{id}/": "supervisors_of_region",
    "GET /api/v1/review/merchant-inspections/": "merchant_people",
    "GET /api/v1/review/merchant-inspections/{id}/": "member_of_merchant",
    "POST /api/v1/review/merchant-inspections/{id}/rectify/": "member_of_merchant",
    # /api/v1/schemes/
    "GET /api/v1/schemes/": "signed_in",
    "GET /api/v1/schemes/{code}/": "signed_in",
    # /api/v1/stations/
    "GET /api/v1/stations/": "regulators",
    "GET /api/v1/statistics/categories/": "regulators",
    "GET /api/v1/statistics/flows/": "regulators",
    "GET /api/v1/statistics/headline/": "regulators",
    "GET /api/v1/statistics/industries/": "regulators",
    "GET /api/v1/statistics/league/": "regulators",
    "GET /api/v1/statistics/regions/": "regulators",
    "GET /api/v1/statistics/thresholds/": "regulators",
    "GET /api/v1/statistics/trends/": "regulators",
    "POST /api/v1/stations/": "regulators",
    "GET /api/v1/stations/{id}/": "regulator_of_region",
    "PATCH /api/v1/stations/{id}/": "regulator_of_region",
}
