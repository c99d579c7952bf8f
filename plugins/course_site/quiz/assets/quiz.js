/* Knowledge Check quizzes (course plugin). Self-assessment only: the page can check
   answers, so a reader can too. Markup and answer encoding: quiz/render.py, encoding.py.
   Progress: localStorage "course-quiz:<lesson>" = {score, total, answers: {qid: token}}. */
(() => {
  "use strict";
  const $$ = (el, sel) => Array.from(el.querySelectorAll(sel));

  // 32-bit FNV-1a over an ASCII string; encoding.fnv1a32 in Python is the twin.
  const fnv = (text) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return (h >>> 0).toString(16).padStart(8, "0");
  };
  const load = (key) => {
    try { return JSON.parse(localStorage.getItem(key)) || null; } catch (e) { return null; }
  };
  const save = (key, value) => {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  };
  const isRight = (fs, token) => fnv(fs.dataset.s + token) === fs.dataset.c;
  const chosen = (fs) => { const i = fs.querySelector("input:checked"); return i && i.value; };

  function show(root, checked) {
    root.querySelector('[data-quiz-action="check"]').hidden = checked;
    root.querySelector('[data-quiz-action="retry"]').hidden = !checked;
    root.classList.toggle("course-quiz--checked", checked);
  }

  function check(root, store) {
    const sets = $$(root, "fieldset[data-q]");
    const answers = {};
    let score = 0;
    for (const fs of sets) {
      const token = chosen(fs);
      const ok = !!token && isRight(fs, token);
      if (token) answers[fs.dataset.q] = token;
      score += ok;
      fs.classList.toggle("is-correct", ok);
      fs.classList.toggle("is-incorrect", !ok);
      fs.querySelector(".course-quiz__feedback").textContent =
        ok ? "\u2713 Correct" : token ? "\u2717 Incorrect" : "\u2717 Not answered";
      for (const input of $$(fs, "input")) input.disabled = true;
    }
    root.querySelector(".course-quiz__score").textContent =
      "Score: " + score + " / " + sets.length;
    show(root, true);
    if (store) {
      save(root.dataset.quizKey, { score, total: sets.length, answers });
      statuses();
    }
  }

  function shuffle(box) {
    const items = $$(box, ".course-quiz__option");
    const next = items.slice();
    for (let i = next.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [next[i], next[j]] = [next[j], next[i]];
    }
    if (next.length > 1 && next.every((el, i) => el === items[i])) next.push(next.shift());
    for (const el of next) box.appendChild(el);
  }

  function retry(root) {
    for (const fs of $$(root, "fieldset[data-q]")) {
      fs.classList.remove("is-correct", "is-incorrect");
      fs.querySelector(".course-quiz__feedback").textContent = "";
      for (const input of $$(fs, "input")) { input.checked = false; input.disabled = false; }
      shuffle(fs.querySelector(".course-quiz__options"));
    }
    root.querySelector(".course-quiz__score").textContent = "";
    show(root, false);
  }

  function setup(root) {
    root.dataset.quizReady = "";
    for (const fallback of $$(root, "noscript, .course-quiz__answers")) fallback.remove();
    root.querySelector(".course-quiz__actions").hidden = false;
    root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-quiz-action]");
      if (!button) return;
      if (button.dataset.quizAction === "check") {
        check(root, true);
        root.querySelector('[data-quiz-action="retry"]').focus();
      } else {
        retry(root);
        const first = root.querySelector("input");
        if (first) first.focus();
      }
    });
    const last = load(root.dataset.quizKey);
    if (!last || !last.answers) return;
    let restored = false;
    for (const fs of $$(root, "fieldset[data-q]")) {
      const token = last.answers[fs.dataset.q];
      for (const input of $$(fs, "input")) {
        if (input.value === token) restored = input.checked = true;
      }
    }
    if (restored) check(root, false);
  }

  // Fills the course-site contract: <span class="course-quiz-status" data-lesson-id=...>
  function statuses() {
    for (const el of $$(document, ".course-quiz-status[data-lesson-id]")) {
      const last = load("course-quiz:" + el.dataset.lessonId);
      const done = !!(last && last.total);
      el.textContent = done ? "Quiz: " + last.score + " / " + last.total : "";
      el.classList.toggle("course-quiz-status--done", done);
    }
  }

  function init() {
    for (const root of $$(document, ".course-quiz:not([data-quiz-ready])")) setup(root);
    statuses();
  }

  // Material's document$ replays the current page and emits after every instant
  // navigation; other themes get a single run once the DOM is ready.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
