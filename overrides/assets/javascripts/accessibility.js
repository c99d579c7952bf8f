/* Names for the landmarks Material's JavaScript adds (axe: landmark-unique).
   Material wraps each code block's copy button in an unnamed <nav>; with more than
   one code block on a page, screen readers list several identical "navigation"
   landmarks. Each gets a distinct name here. Runs after Material's own components
   on every page, instant navigation included (document$ replays the current page). */
(() => {
  "use strict";

  function nameCodeBlockNavs() {
    document.querySelectorAll("nav.md-code__nav").forEach((nav, index) => {
      nav.setAttribute("aria-label", "Code block " + (index + 1) + " actions");
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(nameCodeBlockNavs);
  }
})();
