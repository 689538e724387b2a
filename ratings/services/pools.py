"""The four pools: one transition table, one function that makes every move (lock, check,
save, record the PoolChange), the moves the declaration workflow makes and a regulator's exit.

Moves made by the evaluation (stars, warning, exit: pools_apply) build on `change_build` too.
"""

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.messages import Message, day, label, msg
from merchants.models import (
    Declaration,
    DeclarationState,
    Membership,
    Merchant,
    Notification,
    Pool,
    Region,
    Scheme,
    User,
)
from merchants.services.audit import audit_log
from merchants.services.bulk import IdAllocator, bulk_write
from merchants.services.notifications import notify_rows
from merchants.signals import DeclarationChange
from ratings import messages as m
from ratings.models import (
    IN_PROGRAMME,
    TRANSITIONS,
    Evaluation,
    EvaluationPolicy,
    EvaluationRun,
    Nomination,
    PoolChange,
    ReasonCode,
    Standing,
    Trigger,
)
from ratings.models.evaluation import EXIT_TRIGGERS, STATE_TRIGGERS
from ratings.permissions import can_regulate
from ratings.services.evaluation import Result, merchant_filter, merchants_by_id
from ratings.signals import standings_changed

P = Pool

NOTICE_SUBJECTS = {P.WARNING: m.SUBJECT_WARNING, P.EXITED: m.SUBJECT_EXITED}

# Moves the evaluation makes that an allowed appeal holds off (Standing.appeal_held_at).
HELD_OFF = frozenset({ReasonCode.STARS_DOWN, ReasonCode.BELOW_FIRST_BAND})


def _label(pool: str) -> str:
    return str(P(pool).label) if pool else str(_("not in the programme"))


def change_build(
    standing: Standing,
    *,
    to: str,
    stars: int,
    reason_code: ReasonCode,
    reason: Message | str,
    now: datetime,
    actor: User | None = None,
    evidence: dict[str, Any] | None = None,
    evaluation: Evaluation | None = None,
    run: EvaluationRun | None = None,
    reverses: PoolChange | None = None,
) -> PoolChange:
    """Check the move against the table, change the (locked, unsaved) standing and return the
    unsaved PoolChange that records it. Every move of a standing goes through here. An appeal
    that overturns a decision (`reverses`) may also take the merchant back where it was."""
    from_pool, from_stars = standing.pool, standing.stars
    undoing = reverses is not None and (to, stars) == (reverses.from_pool, reverses.from_stars)
    if to not in TRANSITIONS[from_pool] and not undoing:
        raise DomainError(
            _("A merchant in “%(from)s” cannot move to “%(to)s”.")
            % {"from": _label(from_pool), "to": _label(to)}
        )
    if to != from_pool:
        standing.since = now
    if stars != from_stars:
        standing.stars_changed_at = now
    standing.pool, standing.stars = to, stars
    if reverses is None and reason_code != ReasonCode.STAR_UP:
        # Any other move is a new decision: an appeal allowed before no longer holds.
        standing.appeal_held_at, standing.appeal_held_score = None, None
    return PoolChange(
        merchant_id=standing.merchant_id,
        from_pool=from_pool,
        to_pool=to,
        from_stars=from_stars,
        to_stars=stars,
        reason_code=reason_code,
        message=m.text(reason) if isinstance(reason, str) else reason,
        evidence=evidence or {},
        evaluation=evaluation,
        run=run,
        actor=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
    )


def standing_move(
    *,
    merchant: Merchant,
    to: str,
    reason_code: ReasonCode,
    reason: Message | str,
    stars: int = 0,
    actor: User | None = None,
    evidence: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    reverses: PoolChange | None = None,
    notify: bool = True,
) -> tuple[Standing, PoolChange]:
    """Move one merchant's standing. Call inside atomic(): the row is locked first, so two
    moves of one merchant at once are made one after the other, each against the other's
    result. The merchant's people are told (unless the caller tells them itself: `notify`).
    `reason` is a message (ratings/messages.py), or words a person typed."""
    standing = Standing.objects.select_for_update().filter(merchant=merchant).first()
    if standing is None:
        standing = Standing(merchant=merchant, region_id=merchant.region_id, pool="")
    change = change_build(
        standing,
        to=to,
        stars=stars,
        reason_code=reason_code,
        reason=reason,
        now=timezone.now(),
        actor=actor,
        evidence=evidence,
        reverses=reverses,
    )
    for field, value in (changes or {}).items():
        setattr(standing, field, value)
    standing.save()
    change.save()
    standings_changed.send(sender=Standing, public_codes=[merchant.public_code])
    if notify:
        notify_pool_changes([change])
    return standing, change


def standings_follow_merchant_region(*, merchant: Merchant, region: Region) -> int:
    """A merchant moved county (an approved county change): its standing — the pool browser,
    its CSV, warnings and appeals — and its pending nominations follow it."""
    Nomination.objects.filter(uscc=merchant.uscc, entered_at__isnull=True).update(region=region)
    return Standing.objects.filter(merchant=merchant).update(region=region)


def standings_mark_changed(*, merchant_ids: list[int]) -> int:
    """Something that counts in the evaluation happened: the nightly run takes these. On every
    complaint and inspection step, so the statement is written once per process and per
    number of merchants (the ORM built and compiled the UPDATE each time)."""
    with connection.cursor() as cursor:
        cursor.execute(_mark_changed_sql(len(merchant_ids)), [True, *merchant_ids, False])
        return cursor.rowcount


@cache
def _mark_changed_sql(merchants: int) -> str:
    quote = connection.ops.quote_name
    flag = quote(Standing._meta.get_field("needs_evaluation").column)
    merchant = quote(Standing._meta.get_field("merchant").column)
    return (
        f"UPDATE {quote(Standing._meta.db_table)} SET {flag} = %s "
        f"WHERE {merchant} IN ({', '.join(['%s'] * merchants)}) AND {flag} = %s"
    )


# The external sources the comprehensive evaluation reads.
EVALUATION_SOURCES = frozenset({"registry", "enforcement"})


def standings_mark_changed_by_uscc(*, source: str, usccs: QuerySet | list[str]) -> int:
    """New or changed external records for these codes: if the evaluation reads the source,
    the merchants are marked for the nightly run."""
    if source not in EVALUATION_SOURCES:
        return 0
    return Standing.objects.filter(merchant__uscc__in=usccs, needs_evaluation=False).update(
        needs_evaluation=True
    )


def pools_follow_declarations(*, changes: list[DeclarationChange]) -> None:
    """The pool moves the declaration workflow makes: passing screening enters the selection
    pool, approval starts cultivation, a rejection may leave the programme."""
    passed = [
        c.declaration
        for c in changes
        if c.from_state == DeclarationState.SCREENING
        and c.to_state == DeclarationState.PENDING_REVIEW
    ]
    if passed:
        pool_enter_selection_many(declarations=passed)
    for c in changes:
        declaration = c.declaration
        if c.to_state == DeclarationState.APPROVED:
            pool_cultivate(merchant=declaration.merchant, declaration=declaration, actor=c.actor)
        elif c.to_state == DeclarationState.REJECTED:
            pool_leave_selection(
                merchant=declaration.merchant, declaration=declaration, actor=c.actor
            )


def standing_get(merchant: Merchant) -> Standing | None:
    return Standing.objects.filter(merchant=merchant).first()


def require_may_declare(merchant: Merchant) -> None:
    """An exited merchant waits out its re-entry period before declaring again."""
    standing = standing_get(merchant)
    today = timezone.localdate()
    if (
        standing is not None
        and standing.pool == P.EXITED
        and standing.reentry_after is not None
        and standing.reentry_after > today
    ):
        raise DomainError(
            _("This merchant left the programme and may declare again from %(date)s.")
            % {"date": standing.reentry_after.isoformat()}
        )


@transaction.atomic
def pool_enter_selection(
    *, merchant: Merchant, declaration: Declaration, actor: User | None = None
) -> Standing:
    """A declaration passed screening: the merchant enters the selection pool, unless it is in
    the programme already (a declaration for a further scheme). The re-entry wait was checked
    when the declaration was created."""
    pool_enter_selection_many(declarations=[declaration], actor=actor)
    return Standing.objects.get(merchant=merchant)


def pool_enter_selection_many(*, declarations: list[Declaration], actor: User | None = None) -> int:
    """The same for a batch of screened declarations (the screening run's), in a few
    statements. Call inside atomic(). Returns how many merchants entered selection."""
    by_merchant = {d.merchant_id: d for d in declarations}
    if not by_merchant:
        return 0
    standings = {
        s.merchant_id: s
        for s in Standing.objects.select_for_update().filter(merchant_id__in=by_merchant)
    }
    merchants = {
        pk: (region_id, code)
        for pk, region_id, code in Merchant.objects.filter(pk__in=by_merchant).values_list(
            "pk", "region_id", "public_code"
        )
    }
    schemes = Scheme.objects.in_bulk({d.scheme_id for d in declarations})
    now = timezone.now()
    created, moved, changes = [], [], []
    for merchant_id, declaration in by_merchant.items():
        standing = standings.get(merchant_id)
        if standing is not None and standing.pool in IN_PROGRAMME:
            continue
        if standing is None:
            standing = Standing(merchant_id=merchant_id, region_id=merchants[merchant_id][0])
            created.append(standing)
        else:
            moved.append(standing)
        standing.reentry_after, standing.former_pool, standing.former_stars = None, "", 0
        changes.append(
            change_build(
                standing,
                to=P.SELECTION,
                stars=0,
                reason_code=ReasonCode.SCREENING_PASSED,
                reason=msg(
                    m.SCREENING_PASSED, scheme=m.scheme_name(schemes[declaration.scheme_id])
                ),
                now=now,
                actor=actor,
                evidence={"declaration": declaration.pk},
            )
        )
    Standing.objects.bulk_create(created)
    Standing.objects.bulk_update(
        moved,
        [
            "pool",
            "stars",
            "since",
            "stars_changed_at",
            "reentry_after",
            "former_pool",
            "former_stars",
        ],
    )
    PoolChange.objects.bulk_create(changes)
    standings_changed.send(
        sender=Standing, public_codes=[merchants[c.merchant_id][1] for c in changes]
    )
    notify_pool_changes(changes)
    return len(changes)


@transaction.atomic
def pool_cultivate(*, merchant: Merchant, declaration: Declaration, actor: User) -> Standing:
    """A declaration was approved: from selection into cultivation (the observation period
    starts). A merchant already further on stays where it is."""
    standing = standing_get(merchant)
    if standing is not None and standing.pool != P.SELECTION:
        return standing
    if standing is None:  # approved without passing through screening (imported data)
        pool_enter_selection(merchant=merchant, declaration=declaration)
    # The reviewer saw the merchant's record: only what happens from now on can warn it.
    standing, _change = standing_move(
        merchant=merchant,
        to=P.CULTIVATION,
        reason_code=ReasonCode.DECLARATION_APPROVED,
        reason=msg(m.DECLARATION_APPROVED, scheme=m.scheme_name(declaration.scheme)),
        actor=actor,
        evidence={"declaration": declaration.pk},
        changes={"warning_cleared_at": timezone.now(), "acknowledged_triggers": []},
    )
    return standing


@transaction.atomic
def pool_leave_selection(
    *, merchant: Merchant, declaration: Declaration, actor: User
) -> Standing | None:
    """A declaration was rejected: a merchant in selection with no other declaration under way
    leaves the programme (it may declare again at once: rejection is not an exit)."""
    standing = standing_get(merchant)
    if standing is None or standing.pool != P.SELECTION:
        return standing
    others = (
        Declaration.objects.filter(merchant=merchant)
        .exclude(pk=declaration.pk)
        .filter(
            state__in=[
                DeclarationState.SUBMITTED,
                DeclarationState.SCREENING,
                DeclarationState.PENDING_REVIEW,
                DeclarationState.UNDER_REVIEW,
                DeclarationState.RETURNED,
                DeclarationState.APPROVED,
            ]
        )
    )
    if others.exists():
        return standing
    standing, _change = standing_move(
        merchant=merchant,
        to=P.EXITED,
        reason_code=ReasonCode.DECLARATION_REJECTED,
        reason=msg(m.DECLARATION_REJECTED, scheme=m.scheme_name(declaration.scheme)),
        actor=actor,
        evidence={"declaration": declaration.pk},
        changes={"reentry_after": None},
    )
    return standing


def pool_exit(*, actor: User, merchant: Merchant, reason: str) -> PoolChange:
    """A regulator exits a merchant in the programme for a serious violation (摘牌): it may
    declare again after the policy's waiting time."""
    require(
        can_regulate(actor, merchant),
        _("Only a regulator of this merchant's region can exit it."),
    )
    require(bool(reason.strip()), _("Give the reason for the exit."))
    policy = EvaluationPolicy.current()
    today = timezone.localdate()
    with transaction.atomic():
        standing = Standing.objects.select_for_update().filter(merchant=merchant).first()
        require(
            standing is not None and standing.pool in IN_PROGRAMME,
            _("This merchant is not in the programme."),
        )
        _standing, change = standing_move(
            merchant=merchant,
            to=Pool.EXITED,
            reason_code=ReasonCode.EXITED_BY_REGULATOR,
            reason=msg(m.EXITED_BY_REGULATOR, reason=reason.strip()),
            actor=actor,
            changes={
                "reentry_after": today + timedelta(days=policy.reentry_days),
                "rectification_due": None,
            },
        )
        audit_log(actor=actor, action="pool_exit", merchant=merchant, obj=change)
    return change


def star_move(
    standing: Standing, policy: EvaluationPolicy, score: int, now: datetime
) -> tuple[str, int, ReasonCode, Message] | None:
    """Where the evaluation takes a cultivated or star-rated merchant: (pool, stars, reason
    code, reason), or None to stay. Stars go up at most one per star period; down at once."""
    target = policy.stars_for(score)
    if standing.pool == P.CULTIVATION:
        observed = standing.since <= now - timedelta(days=policy.observation_days)
        if observed and target >= 1:
            return (
                P.STAR_RATED,
                1,
                ReasonCode.OBSERVATION_PASSED,
                msg(m.OBSERVATION_PASSED, score=score),
            )
        return None
    if standing.pool != P.STAR_RATED:
        return None
    if target == 0:
        return (
            P.CULTIVATION,
            0,
            ReasonCode.BELOW_FIRST_BAND,
            msg(m.BELOW_FIRST_BAND, score=score, band=policy.star_bands[0]),
        )
    if target < standing.stars:
        return (
            P.STAR_RATED,
            target,
            ReasonCode.STARS_DOWN,
            msg(m.STARS_DOWN, score=score, stars=target),
        )
    period_over = standing.stars_changed_at is None or standing.stars_changed_at <= now - (
        timedelta(days=policy.star_period_days)
    )
    if target > standing.stars and period_over:
        return (
            P.STAR_RATED,
            standing.stars + 1,
            ReasonCode.STAR_UP,
            msg(m.STAR_UP, score=score),
        )
    return None


def new_triggers(standing: Standing, result: Result) -> list[str]:
    """The result's warning triggers that the last cleared warning did not know of: events
    after it was cleared, and conditions that did not hold then."""
    cleared = standing.warning_cleared_at
    acknowledged = set(standing.acknowledged_triggers)
    new = []
    for code in result.triggers:
        if code in STATE_TRIGGERS:
            if code not in acknowledged:
                new.append(code)
            continue
        when = result.trigger_dates.get(code)
        if cleared is None or when is None or when > cleared:
            new.append(code)
    return new


def trigger_labels(codes: list[str]) -> Any:
    """The triggers as one message parameter, in the reader's words (a code this version does
    not know as it is)."""
    return m.joined(_trigger_label(code) for code in codes)


@cache
def _trigger_label(code: str) -> Any:
    # Cached: a run words thousands of moves, and a label costs a language switch.
    return label(Trigger(code).label) if code in Trigger else code


POOL_CHANGE_COLUMNS = (
    "id",
    "merchant_id",
    "from_pool",
    "to_pool",
    "from_stars",
    "to_stars",
    "reason_code",
    "message",
    "evidence",
    "evaluation_id",
    "run_id",
    "actor_id",
    "created_at",
)


def pool_changes_write(changes: list[PoolChange]) -> None:
    """Save these new PoolChanges, giving them their ids. On PostgreSQL the ids are taken from
    the sequence and the rows COPied (bulk_create compiles every value of every row: a fifth
    of a millisecond a move, seconds for a province's month)."""
    if connection.vendor != "postgresql":
        PoolChange.objects.bulk_create(changes)
        return
    for change, pk in zip(changes, IdAllocator().take(PoolChange, len(changes)), strict=True):
        change.pk = change.id = pk
        change._state.adding = False
    json_columns = (POOL_CHANGE_COLUMNS.index("message"), POOL_CHANGE_COLUMNS.index("evidence"))
    bulk_write(
        PoolChange,
        POOL_CHANGE_COLUMNS,
        [tuple(getattr(c, name) for name in POOL_CHANGE_COLUMNS) for c in changes],
        json_columns=json_columns,
    )


def _trigger_move(
    standing: Standing, policy: EvaluationPolicy, new: list[str], today: date
) -> tuple[str, int, ReasonCode, Message] | None:
    """A serious violation exits the merchant; any other new trigger puts a cultivated or
    star-rated merchant in the warning pool."""
    serious = [code for code in new if code in EXIT_TRIGGERS]
    if serious:
        standing.reentry_after = today + timedelta(days=policy.reentry_days)
        standing.rectification_due = None
        return (
            P.EXITED,
            0,
            ReasonCode.SERIOUS_VIOLATION,
            msg(m.SERIOUS_VIOLATION, what=trigger_labels(serious)),
        )
    if new and standing.pool in (P.CULTIVATION, P.STAR_RATED):
        standing.former_pool, standing.former_stars = standing.pool, standing.stars
        standing.rectification_due = today + timedelta(days=policy.rectification_days)
        return (
            P.WARNING,
            0,
            ReasonCode.WARNING,
            msg(m.WARNING, what=trigger_labels(new), due=day(standing.rectification_due)),
        )
    return None


def pools_apply(
    *,
    run: EvaluationRun,
    standings: list[Standing],
    results: dict[int, Result],
    evaluations: dict[int, Evaluation],
    now: datetime,
) -> int:
    """Apply the evaluation to a batch of locked standings (the caller saves them): exits for
    serious violations, warnings for new triggers, otherwise the star rules. Writes a PoolChange
    for each move in one statement and tells the merchants of warnings and exits. Returns the
    number of moves."""
    today = timezone.localdate(now)
    changes = []
    for standing in standings:
        result, evaluation = results[standing.merchant_id], evaluations[standing.merchant_id]
        # A condition that no longer holds is forgotten: if it comes back, it is new again.
        standing.acknowledged_triggers = [
            code for code in standing.acknowledged_triggers if code in result.triggers
        ]
        new = (
            new_triggers(standing, result)
            if standing.pool in (P.CULTIVATION, P.STAR_RATED, P.WARNING)
            else []
        )
        if standing.appeal_held_at is not None and new_evidence(standing, result):
            standing.appeal_held_at, standing.appeal_held_score = None, None
        move = _trigger_move(standing, run.policy, new, today) or star_move(
            standing, run.policy, evaluation.score, now
        )
        if move is None or (standing.appeal_held_at is not None and move[2] in HELD_OFF):
            continue
        to, stars, code, reason = move
        changes.append(
            change_build(
                standing,
                to=to,
                stars=stars,
                reason_code=code,
                reason=reason,
                now=now,
                evidence={"score": evaluation.score, "triggers": new},
                evaluation=evaluation,
                run=run,
            )
        )
    pool_changes_write(changes)
    if changes:
        standings_changed.send(
            sender=Standing,
            public_codes=merchants_by_id([c.merchant_id for c in changes]).values_list(
                "public_code", flat=True
            ),
        )
    notify_pool_changes(changes)
    return len(changes)


# The fields a run may change on a standing (bulk_update of a batch).
RUN_FIELDS = [
    "score",
    "last_evaluation",
    "needs_evaluation",
    "updated_at",
    "pool",
    "stars",
    "since",
    "stars_changed_at",
    "former_pool",
    "former_stars",
    "rectification_due",
    "reentry_after",
    "acknowledged_triggers",
    "appeal_held_at",
    "appeal_held_score",
]


def new_evidence(standing: Standing, result: Result) -> bool:
    """Whether the evaluation knows of something newer than the appeal allowed on this
    standing: an event dated after it (a complaint accepted, an inspection failed, a penalty,
    a trigger's event), or inputs that score the merchant below the score it had then (a
    condition that has no date, such as a lower credit level or a complaint now overdue)."""
    since = standing.appeal_held_at
    if since is None:
        return False
    if standing.appeal_held_score is not None and result.score < standing.appeal_held_score:
        return True
    for when in result.trigger_dates.values():
        if when is not None and _after(when, since):
            return True
    # The inputs are by source ({"complaints": {"last_accepted_at": …}, …}): the dated ones
    # are each source's "last_…" (ratings.services.moves reads the same in SQL).
    return any(
        value is not None and _after(value, since)
        for part in result.inputs.values()
        if isinstance(part, dict)
        for name, value in part.items()
        if name.startswith("last_")
    )


def _after(value: Any, since: datetime) -> bool:
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
        if value is None:
            return False
    if isinstance(value, datetime):
        return value > since
    if isinstance(value, date):
        return value > timezone.localdate(since)
    return False


def pool_change_notice(change: PoolChange, merchant_name: str) -> tuple[Message, list[Message]]:
    """The subject and body telling a merchant's people of one move: from where to where (pool
    and stars) and why."""
    if change.to_pool in NOTICE_SUBJECTS and change.from_pool != change.to_pool:
        subject = NOTICE_SUBJECTS[change.to_pool]
    elif change.to_pool == change.from_pool:
        subject = m.SUBJECT_STARS
    else:
        subject = m.SUBJECT_POOL
    return msg(subject), [move_line(change, merchant_name), msg(m.REASON, reason=change.message)]


def move_line(change: PoolChange, merchant_name: str) -> Message:
    """ "<merchant>: from <pool, stars> to <pool, stars>."."""
    return msg(
        m.MOVED,
        merchant=merchant_name,
        **{
            "from": _place(change.from_pool, change.from_stars),
            "to": _place(change.to_pool, change.to_stars),
        },
    )


@cache
def _place(pool: str, stars: int) -> Any:
    # Cached as _trigger_label is; the message is only ever read.
    return m.place(pool, stars)


def notify_pool_changes(changes: list[PoolChange]) -> None:
    """Tell each merchant's people of every move of its standing (pool or stars), one message
    per move, in their own language: an inbox row per member and its mail, a few statements
    for any number of moves (the notify_users rows, in bulk)."""
    if not changes:
        return
    merchant_ids = list({c.merchant_id for c in changes})
    members: dict[int, list[int]] = {}
    for merchant_id, user_id in Membership.objects.filter(
        merchant_filter(merchant_ids)
    ).values_list("merchant_id", "user_id"):
        members.setdefault(merchant_id, []).append(user_id)
    # Names only of the merchants someone is told about (a run moves thousands).
    names = dict(merchants_by_id(list(members)).values_list("pk", "name"))
    rows = []
    for change in changes:
        if not members.get(change.merchant_id):
            continue  # nobody to tell
        subject, body = pool_change_notice(change, names.get(change.merchant_id, ""))
        link = reverse("standing-merchant", args=[change.merchant_id])
        rows += [
            Notification(
                user_id=user_id,
                merchant_id=change.merchant_id,
                key=pool_change_key(change),
                subject_message=subject,
                body_message=body,
                link=link,
            )
            for user_id in dict.fromkeys(members.get(change.merchant_id, []))
        ]
    notify_rows(rows)


def pool_change_key(change: PoolChange) -> str:
    return f"pool-change-{change.pk}"
