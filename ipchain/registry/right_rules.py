"""The IP right's life as rules anyone can replay from the log. Pure: no Django, no I/O.

An IP right's records (registered, renewed, assigned, licensed...) fold into a `RightState`;
a rule set, run at a moment over the states read from the log's first `upto` entries, names
the records that must follow (a lapse, a licence's end). The node appends them with a
`rules.evaluated` record naming the run; `replay` folds the same entries, runs the same rules
at the same moment and must reach the same records (docs/rules.md). Legal dates are dates
(YYYY-MM-DD, as registers print them); a right is live on a date, not at an instant.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from . import records


@dataclass(frozen=True)
class Parameters:
    """A rule set's parameters. Offices differ, so each run's record carries its own."""

    # EUTMR Art. 53(3): renewal is requested within the six months before expiry.
    renewal_window_months: int = 6
    # Paris Convention Art. 5bis(1): a grace period of at least six months for maintenance
    # fees, with a surcharge (EUTMR Art. 53(3), second sentence).
    grace_months: int = 6
    # Reminders to the owner, in days before the window closes (not ledger records).
    reminder_days: tuple[int, ...] = (180, 90, 30, 7)

    def as_record(self) -> dict:
        return {"renewal_window_months": self.renewal_window_months, "grace_months": self.grace_months}

    @classmethod
    def from_record(cls, values: dict) -> "Parameters":
        if not isinstance(values, dict) or set(values) != {"renewal_window_months", "grace_months"}:
            raise RuleInputError("bad_parameters", "a run's parameters are its window and grace, in months")
        window, grace = values["renewal_window_months"], values["grace_months"]
        if not all(type(v) is int and 0 <= v <= 24 for v in (window, grace)):
            raise RuleInputError("bad_parameters", "window and grace are whole months from 0 to 24")
        return cls(renewal_window_months=window, grace_months=grace)


class RuleInputError(ValueError):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


# EU member states (ST.3), where a licence or a right for the Union ("EM") reaches.
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def in_territory(country: str, territory: Iterable[str]) -> bool:
    places = set(territory)
    return country in places or ("EM" in places and country in EU)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def right_key(right: dict) -> str:
    """How a record names a right: its office, kind and number (WIPO ST.3 office code)."""
    if not isinstance(right, dict) or not all(
        isinstance(right.get(k), str) for k in ("office", "kind", "number")
    ):
        raise RuleInputError("bad_right", "a right is named by its office, kind and number")
    return f"{right['office']}/{right['kind']}/{right['number']}"


def _date(value, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RuleInputError("bad_date", f"{name} must be a date, YYYY-MM-DD") from None


@dataclass
class LicenceState:
    ref: str
    licensee: str
    licensor: str
    territory: tuple[str, ...]
    starts: date
    ends: date | None
    exclusive: bool
    gtins: tuple[str, ...]
    ended_on: date | None = None  # the first day it no longer holds
    reads: list[int] = field(default_factory=list)

    def live_on(self, day: date) -> bool:
        if day < self.starts or (self.ends is not None and day > self.ends):
            return False
        return self.ended_on is None or day < self.ended_on

    def covers(self, gtin: str) -> bool:
        return not self.gtins or gtin in self.gtins


@dataclass
class RightState:
    key: str
    kind: str
    registered: date
    expiry: date | None
    owners: list[tuple[date, str]]  # from which day each owner held it, in order
    dead_from: date | None = None  # lapsed, surrendered or invalidated from this day
    dead_cause: str = ""
    licences: dict[str, LicenceState] = field(default_factory=dict)
    reads: list[int] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.owners[-1][1]

    def owner_on(self, day: date) -> str | None:
        held = [owner for since, owner in self.owners if since <= day]
        return held[-1] if held else None

    def live_on(self, day: date) -> bool:
        return self.registered <= day and (self.dead_from is None or day < self.dead_from)

    def grace_ends(self, params: Parameters) -> date | None:
        return add_months(self.expiry, params.grace_months) if self.expiry else None

    def window_opens(self, params: Parameters) -> date | None:
        return add_months(self.expiry, -params.renewal_window_months) if self.expiry else None


@dataclass
class AfaState:
    """An application for customs action (EU Regulation 608/2013) as the log says it."""

    ref: str
    holder: str
    rights: tuple[str, ...]  # those filed; once decided, those granted
    status: str = "filed"  # granted, partly_granted, rejected, suspended, revoked, expired, ended
    valid_until: date | None = None
    reads: list[int] = field(default_factory=list)

    @property
    def standing(self) -> bool:
        """Granted and not yet ended: in force, or suspended (which may still expire or end)."""
        return self.status in ("granted", "partly_granted", "suspended")


@dataclass
class Ledger:
    """What the rights records in a log say: every right's state, every product's rights, every
    application for action."""

    rights: dict[str, RightState] = field(default_factory=dict)
    products: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # gtin -> brand, rights
    afas: dict[str, AfaState] = field(default_factory=dict)

    def right(self, record: dict) -> RightState:
        key = right_key(record.get("right"))
        if key not in self.rights:
            raise RuleInputError("unknown_right", f"{key} was never registered in this log")
        return self.rights[key]


def fold(ledger: Ledger, index: int, record: dict) -> None:
    """Apply one record (in log order) to the ledger's states. Raises RuleInputError."""
    kind = record.get("type")
    if kind == records.RIGHT_REGISTERED:
        key = right_key(record.get("right"))
        if key in ledger.rights:
            raise RuleInputError("right_registered_twice", f"{key} is registered twice")
        registered = _date(record.get("registered"), "registered")
        expiry = _date(record["expiry"], "expiry") if record.get("expiry") else None
        owner = record.get("owner")
        if not isinstance(owner, str):
            raise RuleInputError("bad_owner", "a right has an owner")
        ledger.rights[key] = RightState(
            key, record["right"]["kind"], registered, expiry, [(registered, owner)], reads=[index]
        )
        return
    if kind == records.PRODUCT_RIGHTS:
        rights = record.get("rights")
        if not isinstance(rights, list):
            raise RuleInputError("bad_rights", "a product's rights are a list")
        ledger.products[str(record.get("gtin"))] = (str(record.get("brand")), tuple(map(right_key, rights)))
        return
    if kind in AFA_CHANGES:
        _fold_afa(ledger, index, record)
        return
    if kind not in RIGHT_CHANGES:
        return
    state = ledger.right(record)
    if isinstance(record.get("rule"), dict):
        # A rule's firing follows from what its rule read: it is not itself a fact read, so a
        # replay, which applies the firings it computes, reads the same entries as the node.
        index = -1
    if index >= 0:
        state.reads.append(index)
    RIGHT_CHANGES[kind](state, record, index)


def _renewed(state: RightState, record: dict, index: int) -> None:
    state.expiry = _date(record.get("expiry"), "expiry")


def _assigned(state: RightState, record: dict, index: int) -> None:
    since = _date(record.get("effective_date"), "effective_date")
    if not isinstance(record.get("to"), str):
        raise RuleInputError("bad_owner", "an assignment names the new owner")
    state.owners = sorted([*state.owners, (since, record["to"])], key=lambda pair: pair[0])


def _licensed(state: RightState, record: dict, index: int) -> None:
    ref, territory, gtins = record.get("licence"), record.get("territory"), record.get("gtins", [])
    if not isinstance(ref, str) or ref in state.licences:
        raise RuleInputError("bad_licence", "a licence has a reference of its own")
    if not isinstance(territory, list) or not isinstance(gtins, list):
        raise RuleInputError("bad_licence", "a licence's territory and products are lists")
    state.licences[ref] = LicenceState(
        ref=ref,
        licensee=str(record.get("licensee")),
        licensor=str(record.get("licensor")),
        territory=tuple(territory),
        starts=_date(record.get("starts"), "starts"),
        ends=_date(record["ends"], "ends") if record.get("ends") else None,
        exclusive=record.get("exclusive") is True,
        gtins=tuple(gtins),
        reads=[index],
    )


def _licence_ended(state: RightState, record: dict, index: int) -> None:
    licence = state.licences.get(record.get("licence"))
    if licence is None:
        raise RuleInputError("unknown_licence", "no such licence of this right")
    licence.ended_on = _date(record.get("effective_date"), "effective_date")
    if index >= 0:
        licence.reads.append(index)


def _ended(state: RightState, record: dict, index: int) -> None:
    state.dead_from = _date(record.get("effective_date"), "effective_date")
    state.dead_cause = record["type"].removeprefix("right.")


def _restored(state: RightState, record: dict, index: int) -> None:
    # Restitutio in integrum (EUTMR Art. 104): the right is as if it never ended.
    state.dead_from, state.dead_cause = None, ""
    if record.get("expiry"):
        state.expiry = _date(record["expiry"], "expiry")


RIGHT_CHANGES = {
    records.RIGHT_RENEWED: _renewed,
    records.RIGHT_ASSIGNED: _assigned,
    records.RIGHT_LICENSED: _licensed,
    records.RIGHT_LICENCE_ENDED: _licence_ended,
    records.RIGHT_LAPSED: _ended,
    records.RIGHT_SURRENDERED: _ended,
    records.RIGHT_INVALIDATED: _ended,
    records.RIGHT_RESTORED: _restored,
}


def _fold_afa(ledger: Ledger, index: int, record: dict) -> None:
    ref = record.get("afa")
    if not isinstance(ref, str):
        raise RuleInputError("bad_afa", "an application for action has a reference")
    if record["type"] == records.AFA_FILED:
        rights = record.get("rights")
        if ref in ledger.afas or not isinstance(rights, list) or not isinstance(record.get("holder"), str):
            raise RuleInputError("bad_afa", f"application {ref} is filed once, by a holder, for rights")
        ledger.afas[ref] = AfaState(ref, record["holder"], tuple(map(right_key, rights)), reads=[index])
        return
    state = ledger.afas.get(ref)
    if state is None:
        raise RuleInputError("unknown_afa", f"application {ref} was never filed in this log")
    if index >= 0 and not isinstance(record.get("rule"), dict):
        state.reads.append(index)
    AFA_CHANGES[record["type"]](state, record)


def _afa_decided(state: AfaState, record: dict) -> None:
    decision = record.get("decision")
    if decision not in ("granted", "partly_granted", "rejected") or state.status != "filed":
        raise RuleInputError("bad_afa_decision", f"application {state.ref} is decided once")
    state.status = decision
    if decision != "rejected":
        state.rights = tuple(map(right_key, record.get("rights") or []))
        state.valid_until = _date(record.get("valid_until"), "valid_until")


def _afa_extended(state: AfaState, record: dict) -> None:
    state.valid_until = _date(record.get("valid_until"), "valid_until")


def _afa_status(status: str):
    def change(state: AfaState, record: dict) -> None:
        state.status = status

    return change


AFA_CHANGES = {
    records.AFA_FILED: None,
    records.AFA_DECIDED: _afa_decided,
    records.AFA_EXTENDED: _afa_extended,
    records.AFA_SUSPENDED: _afa_status("suspended"),
    records.AFA_REVOKED: _afa_status("revoked"),
    records.AFA_EXPIRED: _afa_status("expired"),
    records.AFA_ENDED: _afa_status("ended"),
}


def fold_all(entries: Iterable[tuple[int, dict]]) -> Ledger:
    ledger = Ledger()
    for index, record in entries:
        fold(ledger, index, record)
    return ledger


# --- the rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Firing:
    """A record a rule says must follow, and the entries it read to say so."""

    rule: str
    kind: str
    right: str
    fields: dict
    reads: tuple[int, ...]


def _lapse(ledger: Ledger, on: date, params: Parameters) -> Iterable[Firing]:
    """A right not renewed by the end of the grace period lapses, from the day after its
    expiry (EUTMR Art. 53(8): removal takes effect from the day after expiry)."""
    for key, state in sorted(ledger.rights.items()):
        if state.dead_from is None and state.expiry is not None and on > state.grace_ends(params):
            yield Firing(
                "lapse",
                records.RIGHT_LAPSED,
                key,
                {"effective_date": (state.expiry + timedelta(days=1)).isoformat()},
                tuple(state.reads),
            )


def _licence_term(ledger: Ledger, on: date, params: Parameters) -> Iterable[Firing]:
    """A licence ends at the end of its term."""
    for key, state in sorted(ledger.rights.items()):
        for ref, licence in sorted(state.licences.items()):
            if licence.ended_on is None and licence.ends is not None and on > licence.ends:
                fields = {"licence": ref, "effective_date": (licence.ends + timedelta(days=1)).isoformat()}
                yield Firing(
                    "licence_term",
                    records.RIGHT_LICENCE_ENDED,
                    key,
                    fields | {"cause": "term"},
                    tuple(licence.reads),
                )


def _licence_right_gone(ledger: Ledger, on: date, params: Parameters) -> Iterable[Firing]:
    """A licence ends when the right it is granted under ends (lapse, surrender, invalidity)."""
    for key, state in sorted(ledger.rights.items()):
        if state.dead_from is None or state.dead_from > on:
            continue
        for ref, licence in sorted(state.licences.items()):
            if licence.ended_on is None or licence.ended_on > state.dead_from:
                fields = {
                    "licence": ref,
                    "effective_date": state.dead_from.isoformat(),
                    "cause": "right_ended",
                }
                yield Firing(
                    "licence_right_ended",
                    records.RIGHT_LICENCE_ENDED,
                    key,
                    fields,
                    tuple(sorted({*state.reads, *licence.reads})),
                )


def _afa_expiry(ledger: Ledger, on: date, params: Parameters) -> Iterable[Firing]:
    """An application's period of action ends: at most a year after the decision (608/2013
    Art. 11(1)), unless extended (Art. 12)."""
    for ref, afa in sorted(ledger.afas.items()):
        if afa.standing and afa.valid_until is not None and on > afa.valid_until:
            fields = {"afa": ref, "effective_date": (afa.valid_until + timedelta(days=1)).isoformat()}
            yield Firing("afa_expiry", records.AFA_EXPIRED, "", fields, tuple(afa.reads))


def _afa_rights_gone(ledger: Ledger, on: date, params: Parameters) -> Iterable[Firing]:
    """An application ends when the last right it was granted for has ended or left its holder:
    customs take no action on it (608/2013 Art. 12(5), Art. 15)."""
    for ref, afa in sorted(ledger.afas.items()):
        states = [ledger.rights[key] for key in afa.rights if key in ledger.rights]
        if not afa.standing or not states:
            continue
        gone = [_gone_from(state, afa.holder, on) for state in states]
        if all(day is not None for day in gone):
            fields = {"afa": ref, "effective_date": max(gone).isoformat(), "cause": "rights_gone"}
            reads = sorted({*afa.reads, *(i for state in states for i in state.reads)})
            yield Firing("afa_rights_gone", records.AFA_ENDED, "", fields, tuple(reads))


def _gone_from(state: RightState, holder: str, on: date) -> date | None:
    """The day from which the right no longer stands for `holder`, if it no longer does on `on`."""
    if state.dead_from is not None and state.dead_from <= on:
        return state.dead_from
    if state.owner_on(on) != holder:
        return next((since for since, owner in reversed(state.owners) if owner != holder and since <= on), on)
    return None


# Each rule set's rules, in order; each firing is applied before the next rule looks (a lapse
# ends licences, and the applications for action standing on it, in the same run). A log's
# runs each name the set they ran, so a replay runs the same rules.
RULESETS = {
    "ipchain-rights/1": (_lapse, _licence_term, _licence_right_gone),
    "ipchain-rights/2": (_lapse, _licence_term, _licence_right_gone, _afa_expiry, _afa_rights_gone),
}
RULESET = "ipchain-rights/2"


def evaluate(ledger: Ledger, *, on: date, params: Parameters, ruleset: str = RULESET) -> list[Firing]:
    """Every firing due on `on`, applied to `ledger` as it goes (pass a copy to keep it)."""
    firings = []
    for rule in RULESETS[ruleset]:
        for firing in list(rule(ledger, on, params)):
            named = {"right": _right_fields(firing.right)} if firing.right else {}
            fold(ledger, -1, {"type": firing.kind} | named | firing.fields)
            firings.append(firing)
    return firings


def _right_fields(key: str) -> dict:
    office, kind, number = key.split("/", 2)
    return {"office": office, "kind": kind, "number": number}


def firing_record(firing: Firing, *, run: int, time: str, ruleset: str = RULESET) -> dict:
    """The record a firing is appended as (before the office signs it); `time` is the run's."""
    return records.rule_firing_record(
        kind=firing.kind,
        right=_right_fields(firing.right) if firing.right else None,
        fields=firing.fields,
        rule={"set": ruleset, "name": firing.rule, "run": run, "reads": list(firing.reads)},
        time=time,
    )


# --- what an item's label stands on -------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Whether a label signed on `day` by `org` for a product stands on a live right."""

    reason: str = ""  # "" when it does; else right_lapsed, not_right_holder, outside_licence, no_right
    licence: LicenceState | None = None
    right: str = ""

    @property
    def holds(self) -> bool:
        return not self.reason


def standing(rights: Iterable[RightState], *, org: str, gtin: str, day: date) -> Standing:
    """A label is valid when signed while a right protecting the product was live and held by
    the signer, or licensed to it for the product on that day (issue: docs/rules.md)."""
    rights = list(rights)
    if not rights:
        return Standing("no_right")
    for state in rights:
        if state.live_on(day) and state.owner_on(day) == org:
            return Standing(right=state.key)
    licences = [
        (s, lic) for s in rights for lic in s.licences.values() if lic.licensee == org and lic.covers(gtin)
    ]
    for state, licence in licences:
        if state.live_on(day) and licence.live_on(day):
            return Standing(licence=licence, right=state.key)
    if licences:
        return Standing("outside_licence", licences[0][1], licences[0][0].key)
    if any(state.live_on(day) for state in rights):
        return Standing("not_right_holder")
    return Standing("right_lapsed")


# --- replay ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discrepancy:
    index: int  # the entry at fault, or the run's record for a missing firing
    reason: str  # missing_firing, extra_firing, different_firing, bad_run, bad_right_record
    message: str


def _unsigned(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("kid", "sig")}


def replay(entries: list[tuple[int, dict]]) -> list[Discrepancy]:
    """Re-run every rule run the entries record and compare its firings with the log's.

    `entries` are the log's rights records, rule firings and runs, in index order."""
    problems: list[Discrepancy] = []
    runs: dict[int, tuple[int, dict]] = {}
    fired: dict[int, dict[int, dict]] = {}
    for index, record in entries:
        if record.get("type") == records.RULES_EVALUATED:
            upto = record.get("upto")
            if type(upto) is not int or upto > index or upto in runs:
                problems.append(
                    Discrepancy(index, "bad_run", f"entry {index}: a run names the log size it read, once")
                )
                continue
            runs[upto] = (index, record)
        elif isinstance(record.get("rule"), dict):
            run = record["rule"].get("run")
            fired.setdefault(run if type(run) is int else -1, {})[index] = record
    # The rules' own firings change the state as replayed, not the log's claims of them: a
    # forged lapse does not end a right here, and the run that should have fired is found out.
    ledger, pending = Ledger(), sorted(runs)
    for index, record in [*entries, (float("inf"), {})]:
        while pending and pending[0] <= index:
            upto = pending.pop(0)
            problems += _check_run(ledger, *runs[upto], fired.pop(upto, {}))
        if record and not isinstance(record.get("rule"), dict):
            try:
                fold(ledger, index, record)
            except RuleInputError as exc:
                problems.append(Discrepancy(index, "bad_right_record", f"entry {index}: {exc}"))
    # A firing of a run whose record is not read yet (its entries integrated in two batches)
    # is left for the next audit; one naming a run older than the last is reported.
    last = max(runs, default=-1)
    for run, orphans in fired.items():
        if run <= last:
            problems += [
                Discrepancy(i, "extra_firing", f"entry {i}: a rule firing no recorded run made")
                for i in orphans
            ]
    return sorted(problems, key=lambda p: p.index)


def _check_run(ledger: Ledger, index: int, run: dict, actual: dict[int, dict]) -> list[Discrepancy]:
    try:
        params = Parameters.from_record(run.get("params"))
        ruleset = run.get("ruleset")
        if ruleset not in RULESETS:
            raise RuleInputError("unknown_ruleset", f"rule set {ruleset!r} is not known here")
        moment = run["at"]
        on = date.fromisoformat(moment[:10])
    except (RuleInputError, KeyError, TypeError, ValueError) as exc:
        return [Discrepancy(index, "bad_run", f"entry {index}: {exc}")]
    expected = [
        firing_record(f, run=run["upto"], time=moment, ruleset=ruleset)
        for f in evaluate(ledger, on=on, params=params, ruleset=ruleset)
    ]
    got = {i: _unsigned(record) for i, record in actual.items()}
    problems = []
    for want in expected:
        match = next((i for i, have in got.items() if have == want), None)
        if match is not None:
            got.pop(match)
            continue
        same = next((i for i, have in got.items() if _same_target(have, want)), None)
        if same is not None:
            got.pop(same)
            problems.append(
                Discrepancy(
                    same, "different_firing", f"entry {same}: not what rule {want['rule']['name']} makes"
                )
            )
        else:
            problems.append(
                Discrepancy(
                    index,
                    "missing_firing",
                    f"run at entry {index}: {want['rule']['name']} on {_target(want)} is missing",
                )
            )
    problems += [Discrepancy(i, "extra_firing", f"entry {i}: no rule of the run makes it") for i in got]
    if run.get("firings") != len(expected):
        problems.append(
            Discrepancy(
                index,
                "bad_run",
                f"entry {index}: the run counts {run.get('firings')} firings, the rules {len(expected)}",
            )
        )
    return problems


def _target(firing: dict) -> str:
    return str(firing.get("right") or firing.get("afa"))


def _same_target(have: dict, want: dict) -> bool:
    return all(have.get(key) == want.get(key) for key in ("type", "right", "licence", "afa"))


def renewal_due(state: RightState, *, on: date, params: Parameters) -> dict | None:
    """Where a live right stands in its renewal: None outside the window and grace; else the
    window's opening, the expiry, the grace's end and the days left (not a ledger record)."""
    if state.dead_from is not None or state.expiry is None:
        return None
    opens, grace_ends = state.window_opens(params), state.grace_ends(params)
    if on < opens or on > grace_ends:
        return None
    in_grace = on > state.expiry
    closes = grace_ends if in_grace else state.expiry
    return {
        "opens": opens,
        "expiry": state.expiry,
        "grace_ends": grace_ends,
        "in_grace": in_grace,
        "days_left": (closes - on).days,
    }
