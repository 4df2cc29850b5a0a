"""Demo rows for rectification: institutions with grades, grade history, inspections, problems
with measures and a few contingency plans. Bulk-created in batches, sized by
``ctx.scale["institutions"]`` (20,000 works)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from organization.choices import UnitCode
from organization.demo import bulk_insert, demo_files

from .choices import (
    SECTOR_UNIT,
    Horizon,
    InstitutionStatus,
    InstitutionType,
    MeasureKind,
    PlanStatus,
    ProblemCategory,
    ProblemStatus,
    RiskGrade,
    Sector,
)
from .models import ContingencyPlan, GradeChange, Inspection, Institution, Measure, Problem
from .services import grade_settings, next_inspection_due
from .validators import CHARSET, credit_code_check_char, match_key

BATCH = 2000

SECTOR_TYPES = {
    Sector.ELDERLY_SERVICE: (InstitutionType.ELDERLY_HOME, InstitutionType.ELDERLY_SERVICE),
    Sector.ELDERLY_LAND: (InstitutionType.ESTATE,),
    Sector.HOUSING_ADVERT: (InstitutionType.ESTATE,),
    Sector.STREET_ADVERT: (InstitutionType.ADVERTISER, InstitutionType.HEALTH_SHOP),
    Sector.ELDERLY_TOURISM: (InstitutionType.TRAVEL_AGENCY,),
    Sector.ART: (InstitutionType.ART_DEALER,),
    Sector.FOOD_HEALTH: (InstitutionType.HEALTH_SHOP,),
    Sector.FALSE_ADVERT: (InstitutionType.HEALTH_SHOP, InstitutionType.ADVERTISER),
    Sector.UNLICENSED_MEDICAL: (InstitutionType.ELDERLY_HOME, InstitutionType.CLINIC),
    Sector.FUND_RAISING: (InstitutionType.INVESTMENT, InstitutionType.ELDERLY_SERVICE),
}
NAME_PARTS = {
    InstitutionType.ELDERLY_HOME: "颐养院",
    InstitutionType.ELDERLY_SERVICE: "养老服务有限公司",
    InstitutionType.HEALTH_SHOP: "健康养生馆",
    InstitutionType.TRAVEL_AGENCY: "旅行社",
    InstitutionType.ESTATE: "康养置业有限公司",
    InstitutionType.ART_DEALER: "艺术品收藏馆",
    InstitutionType.INVESTMENT: "养老投资管理有限公司",
    InstitutionType.CLINIC: "诊所",
    InstitutionType.ADVERTISER: "广告传媒有限公司",
}
PREFIXES = "福寿康乐安泰颐和松鹤长青百年永康仁爱夕阳金秋晋新塘梧垵沙塘湖中"
SURNAMES = "陈林黄张李王吴刘蔡杨许郑"
# a finding and the problem category it leads to
FINDINGS = [
    ("现场发现宣传单夸大保健品功效。", ProblemCategory.FALSE_ADVERT),
    ("组织老人听课并推销高价产品。", ProblemCategory.PRODUCT),
    ("以“养老公寓”名义预售床位、收取会员费。", ProblemCategory.OVERCHARGING),
    ("未取得医疗机构执业许可开展诊疗活动。", ProblemCategory.MEDICAL),
    ("宣传“高额回报”的养老项目投资。", ProblemCategory.FUND_RAISING),
    ("未办理营业执照从事养老服务。", ProblemCategory.UNLICENSED),
    ("消防通道堵塞，存在安全隐患。", ProblemCategory.SAFETY),
]
CATEGORY_OF = dict(FINDINGS)
GRADE_WEIGHTS = [
    (RiskGrade.UNGRADED, 25),
    (RiskGrade.GREEN, 35),
    (RiskGrade.YELLOW, 22),
    (RiskGrade.ORANGE, 12),
    (RiskGrade.RED, 6),
]


def _batched(model, rows):
    return bulk_insert(model, rows, batch_size=BATCH)


def _credit_code(rng, taken: set[str]) -> str:
    while True:
        body = "91350582" + "MA" + "".join(rng.choice(CHARSET) for _ in range(7))
        code = body + credit_code_check_char(body)
        if code not in taken:
            taken.add(code)
            return code


def seed(ctx) -> None:
    rng = ctx.rng
    total = int(ctx.scale.get("institutions", 120))
    if total <= 0:
        return
    today = ctx.today
    now = timezone.now()
    info = grade_settings()
    users = list(ctx.users.values())
    grader = ctx.users.get("zhengzhi") or users[0]
    taken = set(Institution.objects.exclude(credit_code=None).values_list("credit_code", flat=True))
    grades = [g for g, _w in GRADE_WEIGHTS]
    weights = [w for _g, w in GRADE_WEIGHTS]

    institutions, inspection_dates = [], []
    for index in range(total):
        sector = rng.choice(Sector.values)
        kind = rng.choice(SECTOR_TYPES[sector])
        grade = rng.choices(grades, weights)[0]
        status = rng.choices(
            [InstitutionStatus.OPERATING, InstitutionStatus.SUSPENDED, InstitutionStatus.CLOSED], [88, 8, 4]
        )[0]
        graded_at = now - datetime.timedelta(days=rng.randint(1, 140)) if grade else None
        dates = sorted(today - datetime.timedelta(days=rng.randint(0, 150)) for _n in range(rng.randint(0, 3)))
        dates = dates if grade else []
        inspection_dates.append(dates)
        last = dates[-1] if dates else None
        due = None
        if grade and status != InstitutionStatus.CLOSED:
            due = next_inspection_due(
                grade=grade, last_inspection=last, graded_on=timezone.localdate(graded_at), info=info
            )
        institutions.append(
            Institution(
                name=f"{rng.choice(PREFIXES)}{rng.choice(PREFIXES)}{NAME_PARTS[kind]}（{index + 1:05d}）",
                credit_code=_credit_code(rng, taken) if rng.random() < 0.8 else None,
                type=kind,
                sector=sector,
                address=f"新塘街道{rng.choice(['世纪大道', '梧垵路', '沙塘路', '湖中街'])}{rng.randint(1, 999)}号",
                community=rng.choice(ctx.communities),
                legal_representative=rng.choice(SURNAMES) + rng.choice("某一二三四五"),
                contact_phone=f"1{rng.randint(3000000000, 9999999999)}",
                status=status,
                supervising_unit=ctx.units[SECTOR_UNIT[sector]],
                risk_grade=grade,
                grade_changed_at=graded_at,
                last_inspection_date=last,
                next_inspection_due=due,
                collapse_risk=grade == RiskGrade.RED and sector == Sector.FUND_RAISING,
                created_by=grader,
            )
        )
    for inst in institutions:
        inst.match_key = match_key(inst.name, inst.address)  # what finds a duplicate (services)
    # the street office's explicit choice of a unit outside the sector's (rectification:sectors)
    clinic = next((i for i in institutions if i.sector == Sector.UNLICENSED_MEDICAL), None)
    if clinic is not None:
        clinic.supervising_unit = ctx.units[UnitCode.MARKET_REGULATION]
        clinic.supervisor_override_reason = "诊所兼营保健品，由市场监督管理所一并监管（演示）"
    institutions = _batched(Institution, institutions)

    changes, inspections = [], []
    for inst, dates in zip(institutions, inspection_dates, strict=True):
        if not inst.risk_grade:
            continue
        if inst.risk_grade >= RiskGrade.YELLOW and rng.random() < 0.5:
            first = RiskGrade(rng.randint(1, inst.risk_grade - 1))
            earlier = inst.grade_changed_at - datetime.timedelta(days=rng.randint(5, 60))
            changes.append(
                GradeChange(
                    institution=inst,
                    from_grade=0,
                    to_grade=first,
                    changed_by=grader,
                    changed_at=earlier,
                    reason="初次排查定级",
                )
            )
            changes.append(
                GradeChange(
                    institution=inst,
                    from_grade=first,
                    to_grade=inst.risk_grade,
                    changed_by=grader,
                    changed_at=inst.grade_changed_at,
                    reason="复查发现风险上升",
                )
            )
        else:
            changes.append(
                GradeChange(
                    institution=inst,
                    from_grade=0,
                    to_grade=inst.risk_grade,
                    changed_by=grader,
                    changed_at=inst.grade_changed_at,
                    reason="排查定级",
                )
            )
        for date in dates:
            inspections.append(
                Inspection(
                    institution=inst,
                    date=date,
                    unit=inst.supervising_unit,
                    inspectors=f"{rng.choice(SURNAMES)}某、{rng.choice(SURNAMES)}某",
                    findings=rng.choice(FINDINGS)[0],
                    recorded_by=grader,
                )
            )
    _batched(GradeChange, changes)
    inspections = _batched(Inspection, inspections)
    photos = _inspection_photos(inspections, grader)

    problems, measure_specs = [], []
    statuses = [
        (ProblemStatus.OPEN, 20),
        (ProblemStatus.RECTIFYING, 30),
        (ProblemStatus.RECTIFIED, 15),
        (ProblemStatus.CLOSED, 28),
        (ProblemStatus.TRANSFERRED, 5),
        (ProblemStatus.SENT_TO_JUDICIARY, 2),
    ]
    for inspection in inspections:
        inst = inspection.institution
        if inst.risk_grade < RiskGrade.YELLOW or rng.random() > 0.6:
            continue
        status = rng.choices([s for s, _w in statuses], [w for _s, w in statuses])[0]
        closed = now - datetime.timedelta(days=rng.randint(0, 20)) if status == ProblemStatus.CLOSED else None
        problems.append(
            Problem(
                institution=inst,
                inspection=inspection,
                description=inspection.findings.rstrip("。"),
                category=CATEGORY_OF.get(inspection.findings, ProblemCategory.OTHER),
                horizon=rng.choices([Horizon.IMMEDIATE, Horizon.LONG_TERM], [75, 25])[0],
                owner_unit=inst.supervising_unit,
                owner_person=rng.choice(SURNAMES) + "某",
                status=status,
                transferred_to="晋江市市场监督管理局" if status == ProblemStatus.TRANSFERRED else "",
                raised_by=grader,
                status_changed_at=now,
                closed_at=closed,
                verified_by=grader if closed else None,
            )
        )
        measure_specs.append(rng.randint(1, 3))
    problems = _batched(Problem, problems)
    measures = []
    for problem, count in zip(problems, measure_specs, strict=True):
        finished = problem.status in (ProblemStatus.RECTIFIED, ProblemStatus.CLOSED)
        for kind in rng.sample(MeasureKind.values[:7], count):
            deadline = problem.inspection.date + datetime.timedelta(days=rng.choice([3, 7, 15, 30, 60]))
            done = finished or (problem.status == ProblemStatus.RECTIFYING and rng.random() < 0.4)
            measures.append(
                Measure(
                    problem=problem,
                    kind=kind,
                    deadline=deadline,
                    done_at=now if done else None,
                    done_by=grader if done else None,
                    result="已落实" if done else "",
                )
            )
    _batched(Measure, measures)

    plans = []
    for inst in institutions:
        if not inst.collapse_risk:
            continue
        people = rng.randint(20, 400)
        plans.append(
            ContingencyPlan(
                institution=inst,
                title=f"{inst.name}爆雷风险应急预案",
                risk_assessment=f"吸收会员资金，涉及约{people}人，多为老年人；近期兑付困难。",
                trigger="无法按期兑付、负责人失联或群众聚集上访。",
                response="企业服务中心牵头，会同派出所、银行监测资金；社区做好老人稳控和政策解释；宣教组做好舆情引导。",
                lead_unit=inst.supervising_unit,
                responsible_person=rng.choice(SURNAMES) + "某",
                people_affected=people,
                elderly_affected=int(people * 0.8),
                amount_involved=Decimal(rng.randint(50, 3000) * 10000),
                status=PlanStatus.ACTIVE,
                review_date=today + datetime.timedelta(days=30),
                created_by=grader,
            )
        )
    _batched(ContingencyPlan, plans)
    ctx.extra["institution_ids"] = [i.pk for i in institutions]
    ctx.counts.update(
        institutions=len(institutions),
        grade_changes=len(changes),
        inspections=len(inspections),
        inspection_attachments=photos,
        problems=len(problems),
        measures=len(measures),
        contingency_plans=len(plans),
    )


#: One inspection in this many has a photo of the site (a shared demo file; no random draw).
PHOTO_EVERY = 5


def _inspection_photos(inspections, user) -> int:
    from django.contrib.contenttypes.models import ContentType

    from core.models import Attachment

    files = [f for f in demo_files() if f["is_image"]]
    ct = ContentType.objects.get_for_model(Inspection).pk
    tz = timezone.get_current_timezone()
    rows = [
        Attachment(
            content_type_id=ct,
            object_id=inspection.pk,
            file=spec["name"],
            original_name=spec["original_name"],
            extension=spec["extension"],
            mime=spec["mime"],
            size=spec["size"],
            is_image=True,
            note="现场检查照片",
            uploaded_by=user,
            uploaded_at=datetime.datetime.combine(inspection.date, datetime.time(16), tzinfo=tz),
        )
        for index, inspection in enumerate(inspections)
        if index % PHOTO_EVERY == 2
        for spec in [files[index % len(files)]]
    ]
    bulk_insert(Attachment, rows)
    return len(rows)
