"""The monthly report's figures and the fast-track averages, computed in the database."""

import datetime
from decimal import Decimal

from cases.choices import CaseKind, LedgerKind, Step
from cases.models import CaseStep, LedgerEntry
from cases.selectors import fast_track, figures

from .factories import CaseFactory

D = Decimal
START = datetime.date(2026, 5, 1)
END = datetime.date(2026, 5, 31)


def criminal(opened, **dates):
    case = CaseFactory(kind=CaseKind.CRIMINAL, step_date=opened, opened_on=opened, **dates.pop("fields", {}))
    last = Step.FILED
    for step, date in dates.items():
        CaseStep.objects.create(case=case, step=step, date=date)
        last = step
    case.step = last
    case.step_date = dates.get(last, opened)
    if last == Step.CLOSED:
        case.closed_on = case.step_date
    case.save()
    return case


def test_fast_track_averages_days_between_steps(db, org):
    d = datetime.date
    criminal(d(2026, 4, 1), investigating=d(2026, 4, 2), solved=d(2026, 4, 11), prosecution=d(2026, 4, 21))
    criminal(
        d(2026, 4, 1),
        investigating=d(2026, 4, 2),
        solved=d(2026, 4, 21),
        prosecution=d(2026, 5, 1),
        trial=d(2026, 5, 31),
    )
    criminal(d(2026, 4, 1))  # not solved yet: counts in no average
    CaseFactory(kind=CaseKind.CIVIL)  # not criminal
    assert fast_track() == {"filed_to_solved": 15.0, "solved_to_prosecution": 10.0, "prosecution_to_trial": 30.0}
    # only the moves whose later step falls in the period
    assert fast_track(start=START, end=END) == {
        "filed_to_solved": None,
        "solved_to_prosecution": 10.0,
        "prosecution_to_trial": 30.0,
    }


def test_figures_for_a_month(db, org):
    d = datetime.date
    a = criminal(
        d(2026, 5, 3),
        investigating=d(2026, 5, 4),
        solved=d(2026, 5, 14),
        fields={"suspects": 5, "detained": 4, "victims": 20, "elderly_victims": 18, "amount_involved": D("300000")},
    )
    b = CaseFactory(
        kind=CaseKind.CIVIL,
        opened_on=d(2026, 5, 20),
        step_date=d(2026, 5, 20),
        suspects=1,
        detained=0,
        victims=2,
        elderly_victims=2,
        amount_involved=D("100000"),
        is_typical=True,
        is_many_victims=True,
        contingency_plan="预案",
    )
    CaseFactory(opened_on=d(2026, 4, 20), step_date=d(2026, 4, 20), amount_involved=D("999"))  # April
    closed = criminal(d(2026, 3, 1), investigating=d(2026, 3, 2), solved=d(2026, 3, 3), prosecution=d(2026, 3, 4))
    CaseStep.objects.create(case=closed, step=Step.TRIAL, date=d(2026, 4, 1))
    CaseStep.objects.create(case=closed, step=Step.CLOSED, date=d(2026, 5, 30))
    closed.step, closed.step_date, closed.closed_on = Step.CLOSED, d(2026, 5, 30), d(2026, 5, 30)
    closed.save()

    def entry(case, kind, amount, date=None, reverses=None):
        date = date or d(2026, 5, 10)
        return LedgerEntry.objects.create(case=case, kind=kind, amount=D(amount), date=date, reverses=reverses)

    entry(a, LedgerKind.STOPPED, "1000")
    entry(a, LedgerKind.FROZEN, "50000")
    wrong = entry(a, LedgerKind.RETURNED, "90000")
    entry(a, LedgerKind.RETURNED, "90000", reverses=wrong)
    entry(a, LedgerKind.RETURNED, "30000")
    entry(b, LedgerKind.RETURNED, "10000")
    entry(b, LedgerKind.SEIZED, "7000")
    entry(b, LedgerKind.RECOVERED, "6000")
    entry(b, LedgerKind.RETURNED, "55555", date=d(2026, 6, 1))  # June

    f = figures(start=START, end=END)
    assert f["cases"] == 2 and f["closed"] == 1
    assert f["by_kind"] == {"criminal": 1, "administrative": 0, "public_security": 0, "civil": 1}
    assert f["by_step"]["solved"] == 1 and f["by_step"]["accepted"] == 1 and sum(f["by_step"].values()) == 2
    assert f["by_kind_step"]["criminal"]["solved"] == 1 and f["by_kind_step"]["civil"]["accepted"] == 1
    assert (f["suspects"], f["detained"], f["victims"], f["elderly_victims"]) == (6, 4, 22, 20)
    assert f["amount_involved"] == D("400000.00")
    assert f["flags"]["is_typical"] == 1 and f["flags"]["is_many_victims"] == 1 and f["flags"]["is_major"] == 0
    assert (f["stopped"], f["frozen"], f["seized"], f["recovered"], f["returned"]) == (
        D("1000.00"),
        D("50000.00"),
        D("7000.00"),
        D("6000.00"),
        D("40000.00"),
    )
    assert f["recovery_rate"] == D("0.1000")
    assert f["fast_track"]["filed_to_solved"] == 11.0

    everything = figures(start=None, end=None)
    assert everything["cases"] == 4 and everything["returned"] == D("95555.00")


def test_figures_without_cases(db):
    f = figures(start=START, end=END)
    assert f["cases"] == 0 and f["amount_involved"] == D("0") and f["returned"] == D("0")
    assert f["recovery_rate"] is None
    assert f["fast_track"] == {"filed_to_solved": None, "solved_to_prosecution": None, "prosecution_to_trial": None}


def test_figures_cost_five_queries(db, org, django_assert_num_queries):
    CaseFactory()
    with django_assert_num_queries(5):
        figures(start=START, end=END)
