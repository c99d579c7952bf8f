/* Knowledge Check quizzes and course progress (course plugin). Self-assessment only: the
   page can check answers, so a reader can too. Markup: quiz/render.py, render.py.
   Progress: ONE localStorage entry per site, "course:" + the site's base path (from this
   script's URL, <base>/assets/course/quiz.js), so two courses on one origin never share
   it: {q: {quizKey: {a: {qid: token}, c: checked}}, l: {lessonId: {n, m, s, d, p}}}
   (answered, questions, score, done, page path). Old "course-quiz:*" keys are ignored. */
(() => {
  "use strict";
  const $$ = (el, sel) => Array.from(el.querySelectorAll(sel));
  const script = document.currentScript;
  const KEY = "course:" + new URL("../..", script ? script.src : location.href).pathname;

  // 32-bit FNV-1a over an ASCII string; encoding.fnv1a32 in Python is the twin.
  const fnv = (text) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return (h >>> 0).toString(16).padStart(8, "0");
  };
  const obj = (v) => (v && typeof v == "object" ? v : {});
  const load = () => {
    let v;
    try { v = obj(JSON.parse(localStorage.getItem(KEY))); } catch (e) { v = {}; }
    return { q: obj(v.q), l: obj(v.l) };
  };
  const save = (st) => {
    try { localStorage.setItem(KEY, JSON.stringify(st)); } catch (e) { /* private mode */ }
  };
  const isRight = (fs, token) => fnv(fs.dataset.s + token) === fs.dataset.c;
  const chosen = (fs) => { const i = fs.querySelector("input:checked"); return i && i.value; };
  const sets = (root) => $$(root, "fieldset[data-q]");
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    e.className = cls;
    if (text) e.textContent = text;
    return e;
  };

  function show(root, checked) {
    root.querySelector('[data-quiz-action="check"]').hidden = checked;
    root.querySelector('[data-quiz-action="retry"]').hidden = !checked;
    root.classList.toggle("course-quiz--checked", checked);
  }

  // Marks the option whose token hashes to the stored check value: found only now.
  function check(root) {
    let score = 0;
    for (const fs of sets(root)) {
      const token = chosen(fs);
      const ok = !!token && isRight(fs, token);
      score += ok;
      fs.classList.toggle("is-correct", ok);
      fs.classList.toggle("is-incorrect", !ok);
      fs.querySelector(".course-quiz__feedback").textContent =
        ok ? "\u2713 Correct" : token ? "\u2717 Incorrect" : "\u2717 Not answered";
      for (const input of $$(fs, "input")) {
        input.disabled = true;
        if (isRight(fs, input.value)) {
          const mark = el("span", "course-quiz__mark");
          mark.append(el("span", "", "\u2713"), el("span", "course-sr", " correct answer"));
          mark.firstChild.setAttribute("aria-hidden", "true");
          input.parentNode.classList.add("is-answer");
          input.parentNode.append(mark);
        }
      }
      for (const why of $$(fs, ".course-quiz__explanation")) why.hidden = false;
    }
    root.querySelector(".course-quiz__score").textContent =
      "Score: " + score + " / " + sets(root).length;
    show(root, true);
  }

  function shuffle(box) {
    const items = $$(box, ".course-quiz__option");
    const next = items.slice();
    for (let i = next.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [next[i], next[j]] = [next[j], next[i]];
    }
    if (next.length > 1 && next.every((e, i) => e === items[i])) next.push(next.shift());
    for (const e of next) box.appendChild(e);
  }

  function retry(root) {
    for (const fs of sets(root)) {
      fs.classList.remove("is-correct", "is-incorrect");
      fs.querySelector(".course-quiz__feedback").textContent = "";
      for (const m of $$(fs, ".course-quiz__mark")) m.parentNode.classList.remove("is-answer"), m.remove();
      for (const why of $$(fs, ".course-quiz__explanation")) why.hidden = true;
      for (const input of $$(fs, "input")) { input.checked = false; input.disabled = false; }
      shuffle(fs.querySelector(".course-quiz__options"));
    }
    root.querySelector(".course-quiz__score").textContent = "";
    show(root, false);
  }

  // Saves a quiz's answers and its lesson's summary over every quiz of that lesson here.
  function record(root) {
    const st = load();
    const a = {};
    for (const fs of sets(root)) if (chosen(fs)) a[fs.dataset.q] = chosen(fs);
    st.q[root.dataset.quizKey] = { a, c: root.classList.contains("course-quiz--checked") };
    const id = root.dataset.lesson;
    const s = { n: 0, m: 0, s: 0, d: true, p: location.pathname };
    for (const quiz of $$(document, ".course-quiz[data-quiz-ready]")) {
      if (quiz.dataset.lesson !== id) continue;
      const checked = quiz.classList.contains("course-quiz--checked");
      s.m += sets(quiz).length;
      s.n += $$(quiz, "input:checked").length;
      if (checked) s.s += $$(quiz, ".is-correct").length;
      s.d = s.d && checked;
    }
    s.d = s.d && s.n === s.m;
    st.l[id] = s;
    save(st);
    refresh();
  }

  function setup(root) {
    root.dataset.quizReady = "";
    for (const fallback of $$(root, "noscript, .course-quiz__answers")) fallback.remove();
    root.querySelector(".course-quiz__actions").hidden = false;
    root.addEventListener("change", () => record(root));
    root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-quiz-action]");
      if (!button) return;
      if (button.dataset.quizAction === "check") {
        check(root);
        root.querySelector('[data-quiz-action="retry"]').focus();
      } else {
        retry(root);
        const first = root.querySelector("input");
        if (first) first.focus();
      }
      record(root);
    });
    const last = obj(load().q[root.dataset.quizKey]);
    for (const fs of sets(root)) {
      const token = obj(last.a)[fs.dataset.q];
      for (const input of $$(fs, "input")) if (input.value === token) input.checked = true;
    }
    if (last.c) check(root);
    return !!last.a;
  }

  function toggle(button, st) {
    const id = button.dataset.lessonId;
    button.hidden = false;
    button.onclick = () => {
      const now = load();
      now.l[id] = { d: !obj(now.l[id]).d, p: location.pathname };
      save(now);
      refresh();
    };
    button.setAttribute("aria-pressed", String(!!obj(st.l[id]).d));
  }

  // Fills statuses, progress bars, the Start/Continue link, toggles and sidebar marks.
  function refresh() {
    const st = load();
    const lesson = (id) => obj(st.l[id]);
    for (const e of $$(document, ".course-quiz-status[data-lesson-id]")) {
      const l = lesson(e.dataset.lessonId);
      e.textContent = l.d ? "Done" + (l.m ? " \u00b7 " + l.s + " / " + l.m + " correct" : "")
        : l.n ? l.n + " of " + l.m + " answered" : "";
      e.classList.toggle("course-quiz-status--done", !!l.d);
    }
    for (const box of $$(document, ".course-progress[data-lessons]")) {
      const ids = box.dataset.lessons.split(" ");
      const done = ids.filter((id) => lesson(id).d).length;
      const text = done + " of " + ids.length + " lessons done";
      const bar = box.querySelector("[role=progressbar]");
      bar.setAttribute("aria-valuenow", done);
      bar.setAttribute("aria-valuetext", text);
      bar.firstChild.style.width = (100 * done) / ids.length + "%";
      box.querySelector(".course-progress__text").textContent = text;
      box.hidden = false;
    }
    const start = document.querySelector(".course-start__link");
    const course = document.querySelector(".course-progress[data-lessons]");
    if (start && course) {
      const ids = course.dataset.lessons.split(" ");
      const next = ids.find((id) => !lesson(id).d);
      const row = next && document.querySelector(
        '.course-quiz-status[data-lesson-id="' + CSS.escape(next) + '"]');
      const link = row && row.closest("li, tr").querySelector("a[href]");
      if (!start.dataset.first) start.dataset.first = start.getAttribute("href");
      start.href = link ? link.getAttribute("href") : start.dataset.first;
      start.textContent = !ids.some((id) => lesson(id).d) ? "Start the course"
        : link ? "Continue: " + link.textContent : "Review the course";
    }
    for (const b of $$(document, ".course-complete__toggle")) toggle(b, st);
    const done = new Set(Object.values(st.l).filter((l) => obj(l).d).map((l) => l.p));
    for (const a of $$(document, ".md-nav--primary a.md-nav__link[href]")) {
      const on = !a.hash && done.has(new URL(a.href).pathname);
      let mark = a.querySelector(".course-nav-done");
      if (on && !mark) {
        mark = el("span", "course-nav-done");
        mark.append(el("span", "", "\u2713"), el("span", "course-sr", " completed"));
        mark.firstChild.setAttribute("aria-hidden", "true");
        a.append(mark);
      } else if (!on && mark) mark.remove();
    }
  }

  function reset(button) {
    button.hidden = false;
    button.onclick = () => {
      if (!confirm("Reset your progress in this course? Your answers and completed lessons are forgotten.")) return;
      try { localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
      refresh();
    };
  }

  function init() {
    const fresh = $$(document, ".course-quiz:not([data-quiz-ready])");
    for (const root of fresh.filter(setup)) record(root); // all set up first: one summary
    for (const b of $$(document, ".course-start__reset")) reset(b);
    refresh();
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
