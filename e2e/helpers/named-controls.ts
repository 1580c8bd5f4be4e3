// Every visible control must have an accessible name (role + label). SVG shapes with a button role count too.
import { expect, type Page } from '@playwright/test';

export async function expectNamedControls(page: Page): Promise<void> {
  const unnamed = await page.evaluate(`(() => {
    const controls = [...document.querySelectorAll('button, input, select, textarea, [role="button"], a[href]')];
    const visible = (el) => el.getClientRects().length > 0;
    const named = (el) => {
      if ((el.getAttribute('aria-label') || '').trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && by.split(/\\s+/).some((id) => (document.getElementById(id)?.textContent || '').trim())) return true;
      if ('labels' in el && el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
      if (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'button') && el.value.trim()) return true;
      if (el.tagName !== 'INPUT' && el.tagName !== 'SELECT' && el.tagName !== 'TEXTAREA' && el.textContent.trim()) return true;
      return !!(el.getAttribute('title') || '').trim();
    };
    return controls.filter((el) => visible(el) && !named(el)).map((el) => el.outerHTML.slice(0, 120));
  })()`);
  expect(unnamed).toEqual([]);
}
