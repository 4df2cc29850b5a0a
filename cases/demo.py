"""Demo cases: every kind at every step, with step dates, ledger entries (a few reversed),
stability plans and public-opinion plans. Bulk-created in batches, sized by
``ctx.scale["cases"]`` (10,000 works). Cases are linked to leads closed as 移送打击组 and to
institutions when those exist (a sample of ids is read once)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from organization.choices import UnitCode
from organization.demo import bulk_insert

from .choices import STEPS, CaseKind, FraudType, LedgerKind, RiskLevel, Step
from .models import Case, CaseStep, LedgerEntry, PublicOpinionPlan

BATCH = 2000

KIND_WEIGHTS = [
    (CaseKind.CRIMINAL, 50),
    (CaseKind.ADMINISTRATIVE, 20),
    (CaseKind.PUBLIC_SECURITY, 15),
    (CaseKind.CIVIL, 15),
]
KIND_UNITS = {
    CaseKind.CRIMINAL: (UnitCode.POLICE, UnitCode.GROUP_CRACKDOWN),
    CaseKind.PUBLIC_SECURITY: (UnitCode.POLICE,),
    CaseKind.ADMINISTRATIVE: (UnitCode.MARKET_REGULATION, UnitCode.LAW_ENFORCEMENT, UnitCode.POLICE),
    CaseKind.CIVIL: (UnitCode.TRIBUNAL,),
}
TITLES = {
    FraudType.SERVICE: "以提供养老服务为名收取高额会员费案",
    FraudType.PROJECT: "以投资养老项目为名非法吸收公众存款案",
    FraudType.PRODUCT: "以销售养老保健品为名诈骗老年人案",
    FraudType.HOUSE: "以“以房养老”为名骗取老年人房产案",
    FraudType.INSURANCE: "以代办养老保险为名骗取钱款案",
    FraudType.ASSISTANCE: "以养老帮扶为名骗取老年人钱财案",
    FraudType.OTHER: "以养老为名实施诈骗案",
}
PLACES = "新塘梧垵沙塘后坑湖中邮亭"
#: Share of the amount involved each ledger kind reaches, by the case's progress.
LEDGER_SHARES = [
    (LedgerKind.STOPPED, 0.10),
    (LedgerKind.FROZEN, 0.35),
    (LedgerKind.SEIZED, 0.20),
    (LedgerKind.RECOVERED, 0.30),
    (LedgerKind.RETURNED, 0.25),
]


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.01):.2f}")


def _build_case(ctx, index: int, units: dict, institution_ids: list[int], user) -> tuple[Case, list[datetime.date]]:
    rng = ctx.rng
    kind = _weighted(rng, KIND_WEIGHTS)
    steps = STEPS[kind]
    opened = ctx.today - datetime.timedelta(days=rng.randint(5, 170))
    dates = [opened]
    for _ in steps[1 : rng.randint(1, len(steps))]:
        nxt = dates[-1] + datetime.timedelta(days=rng.randint(1, 35))
        if nxt > ctx.today:
            break
        dates.append(nxt)
    fraud = rng.choice(FraudType.values)
    fraud = fraud if fraud in TITLES else FraudType.OTHER  # a case knows its fraud type (not 不清楚)
    suspects = rng.randint(1, 12) if kind != CaseKind.CIVIL else rng.randint(1, 2)
    victims = rng.randint(1, 80)
    many = victims >= 30
    risk = _weighted(rng, [(RiskLevel.LOW, 60), (RiskLevel.MEDIUM, 28), (RiskLevel.HIGH, 12)])
    is_major = rng.random() < 0.08
    place = PLACES[2 * rng.randrange(len(PLACES) // 2) :][:2]
    case = Case(
        title=f"{place}{TITLES[fraud]}（{index + 1}）",
        number=f"晋公（新）{ctx.today.year}-{index + 1:05d}" if kind == CaseKind.CRIMINAL else "",
        kind=kind,
        step=steps[len(dates) - 1],
        step_date=dates[-1],
        opened_on=opened,
        closed_on=dates[-1] if steps[len(dates) - 1] == Step.CLOSED else None,
        fraud_type=fraud,
        handling_unit=units[rng.choice(KIND_UNITS[kind])],
        summary=f"{place}地区{rng.randint(2, 9)}名老年人反映被以{FraudType(fraud).label}名义骗取钱款。",
        suspects=suspects,
        detained=rng.randint(0, suspects) if kind in (CaseKind.CRIMINAL, CaseKind.PUBLIC_SECURITY) else 0,
        victims=victims,
        elderly_victims=rng.randint(max(1, victims // 2), victims),
        amount_involved=Decimal("0") if rng.random() < 0.1 else _money(rng.uniform(5_000, 3_000_000)),
        is_gang=suspects >= 3 and rng.random() < 0.5,
        is_organised_crime=rng.random() < 0.03,
        is_corruption=rng.random() < 0.02,
        is_many_victims=many,
        is_major=is_major,
        is_typical=rng.random() < 0.1,
        stability_risk=risk,
        case_plan="专人对接受害老人，做好解释疏导和追赃挽损工作。" if risk != RiskLevel.LOW or many else "",
        contingency_plan="成立处置专班，落实属地稳控，防范聚集上访。" if risk == RiskLevel.HIGH or many else "",
        institution_id=rng.choice(institution_ids) if institution_ids and rng.random() < 0.4 else None,
        created_by=user,
    )
    if case.is_typical and index % 3 != 2:  # most typical cases are cleared for publicity (no rng: same data)
        case.publicity_cleared = True
        case.publicity_title = f"以“{FraudType(fraud).label}”为名的诈骗案"
        case.publicity_summary = (
            f"不法分子以{FraudType(fraud).label}为名，向老年人许诺高额回报或优惠服务，骗取钱款。"
            "办案单位已依法处理，提醒老年朋友：天上不会掉馅饼。"
        )
        case.publicity_show_amount = index % 2 == 0
        case.publicity_cleared_at = timezone.now()
    return case, dates


def seed(ctx) -> None:
    from rectification.models import Institution

    n = ctx.scale.get("cases", 40)
    if n <= 0:
        return
    rng = ctx.rng
    units = ctx.units
    user = ctx.users.get("daji")
    institution_ids = list(Institution.objects.order_by("?").values_list("pk", flat=True)[:500])
    built = [_build_case(ctx, i, units, institution_ids, user) for i in range(n)]
    cases = bulk_insert(Case, [c for c, _d in built])

    steps: list[CaseStep] = []
    entries: list[LedgerEntry] = []
    plans: list[PublicOpinionPlan] = []
    for case, (_c, dates) in zip(cases, built, strict=True):
        for step, date in zip(STEPS[case.kind], dates, strict=False):
            steps.append(CaseStep(case=case, step=step, date=date, by=user, note=""))
        if case.is_major:
            plans.append(
                PublicOpinionPlan(
                    case=case,
                    assessment="涉及老年人较多，存在网络炒作风险。",
                    monitoring="网信部门每日监测相关舆情。",
                    response="统一口径，适时发布警情通报。",
                    owner="林打击",
                    updated_by=user,
                )
            )
        progress = len(dates) / len(STEPS[case.kind])
        recovered = Decimal("0")
        for kind, share in LEDGER_SHARES[: max(1, round(progress * len(LEDGER_SHARES)))]:
            if case.amount_involved and rng.random() < 0.8:
                date = dates[min(len(dates) - 1, rng.randrange(len(dates)))]
                amount = _money(float(case.amount_involved) * share * rng.uniform(0.3, 1.0))
                if kind == LedgerKind.RETURNED:  # never more returned than recovered (cases.services)
                    amount = min(amount, recovered)
                    if amount <= 0:
                        continue
                recovered += amount if kind == LedgerKind.RECOVERED else Decimal("0")
                entries.append(LedgerEntry(case=case, kind=kind, date=date, amount=amount, note="", created_by=user))
    bulk_insert(CaseStep, steps)
    created = bulk_insert(LedgerEntry, entries)
    # a recovery reversed could leave more returned than recovered: the demo reverses the others
    reversible = [e for e in created if e.kind != LedgerKind.RECOVERED]
    reversals = [
        LedgerEntry(
            case_id=e.case_id,
            kind=e.kind,
            date=e.date,
            amount=e.amount,
            note="金额录入错误，冲正",
            reverses=e,
            created_by=user,
        )
        for e in rng.sample(reversible, k=min(len(reversible), max(1, len(reversible) // 40)))
    ]
    bulk_insert(LedgerEntry, reversals)
    bulk_insert(PublicOpinionPlan, plans)

    links = _link_leads(ctx, cases)
    ctx.counts["cases"] = len(cases)
    ctx.counts["case_steps"] = len(steps)
    ctx.counts["case_ledger_entries"] = len(created) + len(reversals)
    ctx.counts["case_lead_links"] = links


def _link_leads(ctx, cases: list[Case]) -> int:
    """Link leads closed as 移送打击组 (else any referred to the crackdown group) to cases."""
    from leads.choices import Outcome
    from leads.models import Lead

    lead_ids = list(Lead.objects.filter(outcome=Outcome.CRACKDOWN).values_list("pk", flat=True)[:5000])
    if not lead_ids:
        lead_ids = list(
            Lead.objects.filter(assigned_unit__code=UnitCode.GROUP_CRACKDOWN).values_list("pk", flat=True)[:5000]
        )
    if not lead_ids:
        return 0
    Through = Case.leads.through
    rows = []
    for case, lead_id in zip(ctx.rng.sample(cases, k=min(len(cases), len(lead_ids))), lead_ids, strict=False):
        rows.append(Through(case_id=case.pk, lead_id=lead_id))
    Through.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)
