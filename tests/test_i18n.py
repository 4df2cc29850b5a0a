from django.urls import reverse


def test_chinese_by_default_even_for_an_english_browser(client_for, personas):
    client = client_for(personas.street)
    html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工作台" in html and 'lang="zh-hans"' in html


def test_english_can_be_chosen(client_for, personas):
    client = client_for(personas.street)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("dashboard")).content.decode()
    assert "Dashboard" in html and "工作台" not in html


def test_login_page_is_chinese(client):
    assert "登录护老系统" in client.get(reverse("login")).content.decode()
