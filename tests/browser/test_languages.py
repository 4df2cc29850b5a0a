"""Both languages on every page of the demo (tests/browser/demo_pages.py), in Chromium: the English UI
shows no Chinese (no character, no full-width punctuation) and the Chinese UI no English word of
the UI (a word of the English catalogues). Data are not the UI: the English walk runs over a world
whose free text is ASCII, and text inside an element marked ``lang`` (the language switch) or
``data-lang-data`` is skipped."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.browser.demo_pages import PERSONAS, demo_pages, seed_small_demo
from tests.browser.test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
APPS = ("core", "organization", "leads", "cases", "rectification", "publicity", "reports")

TEXTS = """() => {
  const lang = (document.documentElement.lang || '').slice(0, 2), out = [document.title];
  const skip = el => !el || el.closest('script, style, noscript, template, [data-lang-data]')
    || Array.from([el.closest('[lang]')]).some(l => l && l !== document.documentElement && !l.lang.startsWith(lang));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!skip(n.parentElement) && n.textContent.trim()) out.push(n.textContent.trim());
  }
  const labelled = '[title], [aria-label], [placeholder], [alt], input[type=submit], input[type=button]';
  document.querySelectorAll(labelled).forEach(el => {
    if (skip(el)) return;
    for (const a of ['title', 'aria-label', 'placeholder', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    if (el.matches('input[type=submit], input[type=button]') && el.value) out.push(el.value);
  });
  return out;
}"""


def ascii_world() -> None:
    """Every free-text value of the demo with Chinese in it becomes an ASCII token (the same text,
    the same token, so unique names stay unique)."""
    from django.apps import apps
    from django.db import models

    for config in (apps.get_app_config(label) for label in APPS):
        for model in config.get_models():
            fields = [
                f
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField) and not f.choices and not f.primary_key
            ]
            if not fields:
                continue
            changed = []
            for obj in model._default_manager.all():
                dirty = False
                for f in fields:
                    value = getattr(obj, f.attname)
                    if isinstance(value, str) and CJK.search(value):
                        token = "x" + hashlib.sha1(value.encode()).hexdigest()
                        setattr(obj, f.attname, token[: f.max_length or 12])
                        dirty = True
                if dirty:
                    changed.append(obj)
            if changed:
                model._default_manager.bulk_update(changed, [f.name for f in fields], batch_size=500)


def walk(page, client, language: str) -> dict[str, list[str]]:
    """The texts of every demo page (and the public ones) in ``language``."""
    pages = demo_pages(client)
    assert len(pages) > 60
    found: dict[str, list[str]] = {}

    def visit(url: str) -> None:
        page.goto(page.base_url + url)
        assert page.locator("html").get_attribute("lang").startswith(language[:2]), url
        found[url] = page.evaluate(TEXTS)

    def choose() -> None:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])

    choose()
    for url in ("/tip/", "/tip/query/", "/accounts/login/", "/nothing-here/"):
        visit(url)
    for username in PERSONAS:
        mine = [p for p in pages if p.username == username]
        if mine:
            sign_in(page, username)
            choose()
            for p in mine:
                visit(p.url)
    return found


def report(bad: dict[str, set[str]]) -> str:
    by_text: dict[str, list[str]] = {}
    for url, texts in bad.items():
        for text in texts:
            by_text.setdefault(text, []).append(url)
    return "\n".join(f"{text!r} on {len(urls)}: {' '.join(urls[:5])}" for text, urls in sorted(by_text.items()))


def test_the_english_ui_shows_no_chinese(page, client, settings):
    seed_small_demo()
    ascii_world()
    bad = {}
    for url, texts in walk(page, client, "en").items():
        chinese = {t[:80] for t in texts if CJK.search(t)}
        if chinese:
            bad[url] = chinese
    assert not bad, report(bad)


def english_words() -> set[str]:
    """Words of the UI's English: every msgstr of the catalogues (3 letters or more)."""
    words: set[str] = set()
    for po in [ROOT / "locale", *(ROOT / app / "locale" for app in APPS)]:
        for path in po.glob("en/LC_MESSAGES/django.po"):
            for msgstr in re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', path.read_text(encoding="utf-8"), re.M):
                words |= {w.lower() for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"%\(\w+\)s|\{\w+\}", " ", msgstr))}
    return words


#: Words that are the same in the Chinese UI (names of things, file types, units).
SAME_IN_CHINESE = {"excel", "xlsx", "pdf", "csv", "word", "hulao", "email"}


def test_the_chinese_ui_shows_no_english_words_of_the_ui(page, client, settings):
    seed_small_demo()
    vocabulary = english_words() - SAME_IN_CHINESE
    bad = {}
    for url, texts in walk(page, client, "zh-hans").items():
        english = set()
        for text in texts:
            # data written in Latin letters: user names, e-mail addresses, file names, numbers with letters
            plain = re.sub(r"\S*[@/._\d]\S*", " ", text)
            words = {w for w in re.findall(r"[A-Za-z]{3,}", plain) if w.lower() in vocabulary}
            if words:
                english.add(f"{text[:60]} [{' '.join(sorted(words))}]")
        if english:
            bad[url] = english
    assert not bad, report(bad)
