"""Community staff record a publicity activity with a photo and see it counted in their
community's totals and charts."""

import pytest

from tests.publicity.factories import PNG_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_community_staff_record_an_activity_and_see_it_counted(page, login, personas, org, tmp_path, settings):
    from publicity.models import Activity
    from tests.publicity.factories import SurveyFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    SurveyFactory(community=org.community_a)  # 80% of households aware
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG_BYTES)
    console_errors = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    login("community_a")
    page.goto(page.base_url + "/publicity/")
    with page.expect_navigation():
        page.get_by_test_id("new-activity").click()
    page.fill("#id_date", "2022-06-10")
    page.fill("#id_title", "广场防范养老诈骗宣传")
    page.select_option("#id_activity_type", "brochure")
    page.select_option("#id_venue", "square")
    page.fill("#id_people_reached", "321")
    page.fill("#id_elderly_reached", "123")
    page.fill("#id_materials", "456")
    page.fill("#id_messages", "0")
    page.set_input_files("#id_photos", str(photo))
    with page.expect_navigation():
        page.get_by_test_id("save").click()

    assert "广场防范养老诈骗宣传" in page.get_by_test_id("detail-title").inner_text()
    assert "现场照片.png" in page.get_by_test_id("attachments").inner_text()
    activity = Activity.objects.get()
    assert activity.community == org.community_a and activity.organiser == org.community_a

    page.goto(page.base_url + "/publicity/")
    row = page.get_by_test_id("totals-community").locator("tbody tr", has_text=org.community_a.name)
    assert row.locator("td").all_inner_texts()[1:] == ["1", "321", "123", "456", "0"]
    assert page.get_by_test_id("summary-people_reached").inner_text() == "321"
    assert page.get_by_test_id("rate-household").inner_text() == "80.0%"
    for chart in ("activity-chart", "awareness-chart"):
        canvas = page.get_by_test_id(chart)
        assert canvas.is_visible()
        assert page.evaluate(f"document.querySelector('[data-testid={chart}]').chart !== undefined")
    drawn = page.evaluate("document.querySelector('[data-testid=activity-chart]').chart.data.datasets[1].data")
    assert drawn == [321]
    assert page.js_errors == []
    assert [m for m in console_errors if "Content Security Policy" in m] == []  # no inline script or style
