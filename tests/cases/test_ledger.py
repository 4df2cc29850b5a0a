"""The asset-recovery ledger: totals per kind from the DB, recovery rate, reversing entries."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from cases.choices import LedgerKind
from cases.models import Case, LedgerEntry, LedgerEntryError
from cases.services import ledger_add, ledger_reverse
from core.audit import timeline_for
from core.exceptions import DomainError

from .factories import CaseFactory, LedgerEntryFactory

TODAY = datetime.date.today()
D = Decimal


def add(case, user, kind, amount, **kw):
    return ledger_add(case=case, user=user, kind=kind, date=TODAY, amount=D(amount), note="", **kw)


def test_totals_per_kind_and_recovery_rate(personas, org):
    case = CaseFactory(amount_involved=D("200000.00"))
    user = personas.crackdown
    add(case, user, LedgerKind.STOPPED, "5000.50")
    add(case, user, LedgerKind.FROZEN, "80000")
    add(case, user, LedgerKind.FROZEN, "20000")
    add(case, user, LedgerKind.SEIZED, "30000")
    add(case, user, LedgerKind.RECOVERED, "60000")
    add(case, user, LedgerKind.RETURNED, "40000")
    add(case, user, LedgerKind.RETURNED, "10000")
    assert case.ledger_totals() == {
        "stopped": D("5000.50"),
        "frozen": D("100000.00"),
        "seized": D("30000.00"),
        "recovered": D("60000.00"),
        "returned": D("50000.00"),
    }
    annotated = Case.objects.with_totals().get(pk=case.pk)
    assert annotated.frozen_total == D("100000.00")
    assert annotated.returned_total == D("50000.00")
    assert annotated.recovery_rate() == D("0.2500")


def test_totals_on_lists_are_annotations(personas, org, django_assert_num_queries):
    cases = [CaseFactory() for _ in range(3)]
    for case in cases:
        LedgerEntryFactory(case=case, kind=LedgerKind.RETURNED, amount=D("10.00"))
    with django_assert_num_queries(1):
        rows = list(Case.objects.with_totals())
        assert [c.recovery_rate() for c in rows] == [D("0.0001")] * 3


def test_recovery_rate_is_none_without_an_amount_involved(personas, org):
    case = CaseFactory(amount_involved=D("0"))
    add(case, personas.crackdown, LedgerKind.RECOVERED, "100", confirm_excess=True, excess_reason="涉案金额待核定")
    add(case, personas.crackdown, LedgerKind.RETURNED, "100", confirm_excess=True, excess_reason="涉案金额待核定")
    assert case.recovery_rate() is None
    assert Case.objects.with_totals().get(pk=case.pk).recovery_rate() is None
    assert CaseFactory().recovery_rate() == D("0")  # nothing returned yet


def test_a_reversing_entry_counts_negative(personas, org):
    case = CaseFactory(amount_involved=D("10000"))
    add(case, personas.crackdown, LedgerKind.RECOVERED, "9000")
    wrong = add(case, personas.crackdown, LedgerKind.RETURNED, "9000")
    reversal = ledger_reverse(entry=wrong, user=personas.crackdown, reason="金额录入错误，应为900元")
    add(case, personas.crackdown, LedgerKind.RETURNED, "900")
    assert reversal.reverses == wrong and reversal.kind == wrong.kind and reversal.amount == D("9000.00")
    assert reversal.counted_amount == D("-9000.00")
    assert case.ledger_totals()["returned"] == D("900.00")
    assert case.recovery_rate() == D("0.0900")
    assert any(e.reason == "冲正：金额录入错误，应为900元" for e in timeline_for(reversal))


def test_an_entry_is_reversed_once_and_a_reversal_is_not_reversed(personas, org):
    entry = add(CaseFactory(), personas.crackdown, LedgerKind.FROZEN, "100")
    reversal = ledger_reverse(entry=entry, user=personas.crackdown, reason="重复登记")
    with pytest.raises(DomainError) as exc:
        ledger_reverse(entry=entry, user=personas.crackdown, reason="again")
    assert exc.value.code == "guard" and str(exc.value) == "该记录已冲正。"
    with pytest.raises(DomainError) as exc:
        ledger_reverse(entry=reversal, user=personas.crackdown, reason="undo")
    assert exc.value.code == "guard" and "冲正记录不能再冲正" in str(exc.value)
    with pytest.raises(DomainError) as exc:
        ledger_reverse(entry=LedgerEntryFactory(), user=personas.crackdown, reason=" ")
    assert exc.value.code == "reason"
    # the database refuses a second reversal too
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(case=entry.case, kind=entry.kind, date=TODAY, amount=entry.amount, reverses=entry)


def test_entries_are_never_edited_nor_deleted(personas, org):
    entry = add(CaseFactory(), personas.crackdown, LedgerKind.SEIZED, "500")
    entry.amount = D("600")
    with pytest.raises(LedgerEntryError):
        entry.save()
    with pytest.raises(LedgerEntryError):
        entry.delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("500.00")


def test_amounts_are_never_negative_or_zero(personas, org):
    case = CaseFactory()
    for amount in ("0", "-1"):
        with pytest.raises(DomainError) as exc:
            add(case, personas.crackdown, LedgerKind.FROZEN, amount)
        assert exc.value.code == "amount"
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(case=case, kind=LedgerKind.FROZEN, date=TODAY, amount=D("-5"))


def test_community_staff_cannot_add_entries(personas, org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        add(CaseFactory(), personas.community_a, LedgerKind.FROZEN, "1")


def test_admin_is_read_only(rf, personas):
    from django.contrib.admin.sites import site

    admin = site._registry[LedgerEntry]
    request = rf.get("/")
    request.user = personas.street
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)
