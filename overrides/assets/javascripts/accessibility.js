/* Accessibility fixes to markup that Material's JavaScript makes (checked by axe-core:
   tests/test_accessibility.py). Runs after Material's own components on every page,
   instant navigation included (document$ replays the current page to new subscribers). */
(() => {
  "use strict";

  // landmark-unique: each code block's copy button sits in an unnamed <nav>; with
  // several code blocks a screen reader lists several identical "navigation" landmarks.
  function nameCodeBlockNavs() {
    document.querySelectorAll("nav.md-code__nav").forEach((nav, index) => {
      nav.setAttribute("aria-label", "Code block " + (index + 1) + " actions");
    });
  }

  // scrollable-region-focusable: a table wider than the screen scrolls sideways in its
  // wrapper; keyboard users reach the hidden columns once the wrapper takes focus. Only
  // while it overflows, as Material does for code blocks, so wide screens get no extra stop.
  function focusableWhileScrolling(wrap) {
    if (wrap.scrollWidth > wrap.clientWidth) wrap.setAttribute("tabindex", "0");
    else wrap.removeAttribute("tabindex");
  }

  const resized = new ResizeObserver((entries) => {
    for (const { target } of entries) focusableWhileScrolling(target);
  });

  function focusableScrollingTables() {
    resized.disconnect();
    for (const wrap of document.querySelectorAll(".md-typeset__scrollwrap")) {
      focusableWhileScrolling(wrap); // now, and again whenever its size changes
      resized.observe(wrap);
    }
  }

  // link-name: Zensical leaves each code line's empty `anchor_linenums` anchor in the
  // page (Material's bundle takes them out of reach); they are jump targets, not links.
  function hideLineAnchors() {
    for (const a of document.querySelectorAll('a[id^="__codelineno-"][href]:empty')) {
      a.setAttribute("aria-hidden", "true");
      a.tabIndex = -1;
    }
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(() => {
      nameCodeBlockNavs();
      focusableScrollingTables();
      hideLineAnchors();
    });
  }
})();
