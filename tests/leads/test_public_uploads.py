"""The public tip form's files and small traps (issue 16, items 14 and 17): caps per tip and per
address and day (which hold while Redis is down), files kept when the form comes back, one lead
per form, amounts written as people write them, phone keypads."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.services import attachments_of
from leads import public, services
from leads.models import Lead, PublicFile

from .test_public import PNG, tip_data

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def png(name, size=200):
    return SimpleUploadedFile(name, PNG + b"\x00" * max(size - len(PNG), 0), content_type="image/png")


def hidden(response, name) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', response.content.decode()).group(1)


def again(response, **extra):
    """What the browser sends when the person presses 提交举报 on the page that came back."""
    return tip_data(started=hidden(response, "started"), hold=hidden(response, "hold"), **extra)


def test_files_over_the_per_tip_cap_are_refused_and_the_rest_kept(client, org, settings):
    settings.LEADS_TIP_MAX_FILES = 3
    files = [png(f"photo{n}.png") for n in range(5)]
    response = client.post(reverse("tip:form"), {**tip_data(), "files": files})
    text = response.content.decode()
    assert response.status_code == 200 and not Lead.objects.exists()
    assert "文件“photo3.png”未收下：每次最多附 3 个文件" in text and "photo4.png" in text
    assert "有人上门推销" in text  # what was typed is kept
    held = re.findall(r'data-testid="held-file">\s*<i class="bi bi-paperclip"></i> (\S+)', text)
    assert held == ["photo0.png", "photo1.png", "photo2.png"]
    # sending the form again, without choosing the files again: the lead gets the three
    assert client.post(reverse("tip:form"), again(response)).status_code == 302
    lead = Lead.objects.get()
    assert sorted(a.original_name for a in attachments_of(lead)) == ["photo0.png", "photo1.png", "photo2.png"]
    # the held copies are gone from the disk
    assert not PublicFile.objects.exclude(file="").exists()


def test_the_total_size_per_tip_is_capped(client, org, settings):
    settings.LEADS_TIP_MAX_BYTES = 1000
    response = client.post(reverse("tip:form"), {**tip_data(), "files": [png("a.png", 600), png("b.png", 600)]})
    assert "文件“b.png”未收下：每次所附文件合计不能超过" in response.content.decode()
    client.post(reverse("tip:form"), again(response))
    assert [a.original_name for a in attachments_of(Lead.objects.get())] == ["a.png"]


def test_a_bad_file_does_not_lose_the_good_ones_nor_the_form_error_the_files(client, org):
    bad = SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>")
    response = client.post(reverse("tip:form"), {**tip_data(description=""), "files": [png("good.png"), bad]})
    text = response.content.decode()
    assert "类型不受支持" in text and "page.html" in text
    assert "good.png" in text and 'data-testid="held-files"' in text
    # the description was missing: fixed and sent again, the good file comes along
    assert client.post(reverse("tip:form"), again(response)).status_code == 302
    assert [a.original_name for a in attachments_of(Lead.objects.get())] == ["good.png"]


def test_a_held_file_can_be_taken_back(client, org):
    response = client.post(reverse("tip:form"), {**tip_data(description=""), "files": [png("a.png"), png("b.png")]})
    b = PublicFile.objects.get(name="b.png")
    stored = b.file.name
    client.post(reverse("tip:form"), {**again(response), "drop": [str(b.pk)]})
    assert [a.original_name for a in attachments_of(Lead.objects.get())] == ["a.png"]
    assert not default_storage.exists(stored)


def test_the_daily_cap_per_address_holds_while_redis_is_down(client, org, settings):
    from core import cache as resilient

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.RATELIMIT_ENABLE = True
    settings.LEADS_PUBLIC_DAILY_FILES = 4
    resilient._down_until.clear()
    try:
        for n in range(2):
            files = [png(f"t{n}a.png"), png(f"t{n}b.png")]
            assert client.post(reverse("tip:form"), {**tip_data(), "files": files}).status_code == 302
        response = client.post(reverse("tip:form"), {**tip_data(), "files": [png("third.png")]})
        assert "今天收到的文件已达上限" in response.content.decode()
        assert Lead.objects.count() == 2
        # the tip itself can still be sent, without the file
        assert client.post(reverse("tip:form"), again(response)).status_code == 302
        assert Lead.objects.count() == 3 and PublicFile.objects.count() == 4
        # another address has its own allowance
        other = client.post(reverse("tip:form"), {**tip_data(), "files": [png("x.png")]}, REMOTE_ADDR="10.0.0.77")
        assert other.status_code == 302
    finally:
        resilient._down_until.clear()


def test_the_daily_bytes_cap_and_supplements_count_too(client, org, settings):
    settings.LEADS_PUBLIC_DAILY_BYTES = 1000
    assert client.post(reverse("tip:form"), {**tip_data(), "files": [png("a.png", 700)]}).status_code == 302
    response = client.post(reverse("tip:status"), {"text": "补充", "files": png("b.png", 700)})
    assert "今天收到的文件已达上限" in response.content.decode()
    lead = Lead.objects.get()
    assert attachments_of(lead).count() == 1 and not lead.supplements.exists()


def test_a_supplement_has_the_per_tip_file_cap(client, org, settings):
    settings.LEADS_TIP_MAX_FILES = 2
    lead, code = services.lead_submit_tip(data={"summary": "上门推销", "description": "x", "fraud_type": "other"})
    client.post(reverse("tip:receipt"), {"code": code})
    response = client.post(
        reverse("tip:status"), {"text": "又来了", "files": [png("1.png"), png("2.png"), png("3.png")]}
    )
    assert "每次最多附 2 个文件" in response.content.decode()
    assert attachments_of(lead).count() == 0
    client.post(reverse("tip:status"), {"text": "又来了", "files": [png("1.png"), png("2.png")]})
    assert attachments_of(lead).count() == 2


def test_the_same_form_sent_twice_makes_one_lead(client, org):
    page = client.get(reverse("tip:form"))
    data = {**again(page), "files": [png("a.png")]}
    first = client.post(reverse("tip:form"), data)
    assert first.status_code == 302 and first["Location"] == reverse("tip:done")
    data["files"] = [png("a.png")]
    second = client.post(reverse("tip:form"), data, follow=True)
    assert Lead.objects.count() == 1 and attachments_of(Lead.objects.get()).count() == 1
    assert "已经提交过了" in second.content.decode()


def test_held_files_of_forms_never_sent_are_cleaned_up(client, org, settings):
    import datetime

    from django.utils import timezone

    response = client.post(reverse("tip:form"), {**tip_data(description=""), "files": [png("left.png")]})
    assert response.status_code == 200
    row = PublicFile.objects.get()
    assert default_storage.exists(row.file.name)
    assert public.cleanup()["held_files_removed"] == 0  # still fresh
    later = timezone.now() + datetime.timedelta(hours=settings.LEADS_HELD_FILES_HOURS + 1)
    assert public.cleanup(now=later)["held_files_removed"] == 1
    assert not default_storage.exists(row.file.name)
    assert public.cleanup(now=later + datetime.timedelta(days=3))["forms_removed"] == 1


def test_the_beat_schedule_runs_the_cleanup(settings):
    assert settings.CELERY_BEAT_SCHEDULE["leads-public-cleanup"]["task"] == "leads.tasks.public_cleanup"


@pytest.mark.parametrize(
    "typed, amount", [("2万", 20000), ("20000元", 20000), ("2.5万元", 25000), ("20,000", 20000), ("￥3,000", 3000)]
)
def test_the_money_field_reads_yuan_and_wan(client, org, typed, amount):
    assert client.post(reverse("tip:form"), tip_data(money_lost=typed)).status_code == 302
    assert Lead.objects.get().money_lost == amount


def test_an_amount_that_cannot_be_read_comes_back_in_chinese(client, org):
    response = client.post(reverse("tip:form"), tip_data(money_lost="两万多"))
    text = response.content.decode()
    assert "请填写金额，例如 20000、2万 或 2.5万元" in text and "两万多" in text and not Lead.objects.exists()


def test_phone_inputs_bring_up_the_phone_keypad(client, org):
    text = client.get(reverse("tip:form")).content.decode()
    for name in ("subject_phone", "informant_phone"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', text).group(0)
        assert 'type="tel"' in tag and 'inputmode="tel"' in tag
    money = re.search(r'<input[^>]*name="money_lost"[^>]*>', text).group(0)
    assert 'type="text"' in money  # "万" must be typeable
