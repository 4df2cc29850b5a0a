"""Clicking a submit button whose form asks for confirmation first (static/js/forms.js)."""

ASKS = """b => {
  const f = b.form;
  const s = b.hasAttribute('data-confirm') ? b : (f && f.querySelector('input[type=hidden][data-confirm]'));
  if (!s) return false;
  const when = s.getAttribute('data-confirm-when');
  return !when || !!(f.elements[when] && f.elements[when].checked);
}"""


def submit(page, button) -> None:
    """Click ``button``; when its form asks first, answer OK (the dialog says what will happen)."""
    asks = button.evaluate(ASKS)
    button.click()
    if asks:
        dialog = page.get_by_test_id("confirm-dialog")
        dialog.wait_for()
        assert dialog.inner_text().strip(), "the confirmation says what will happen"
        page.get_by_test_id("confirm-ok").click()
