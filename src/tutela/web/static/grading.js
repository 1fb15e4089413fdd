// The grading queue's keys: one card is current; a category key grades its whole group, the skip key moves on,
// the clear key asks the server (POST, CSRF) for the clear picture. Only the current card's picture is loaded,
// so every picture the examiner is shown is one they came to, and each is counted by the server.
(function () {
  "use strict";
  const queue = document.getElementById("grading-queue");
  if (!queue) return;
  const keys = JSON.parse(queue.dataset.keys);
  const skipKey = queue.dataset.skipKey;
  const clearKey = queue.dataset.clearKey;
  const status = document.getElementById("grading-status");
  const skipped = queue.dataset.skipped ? queue.dataset.skipped.split(",").filter(Boolean) : [];
  let busy = false;

  function cards() { return Array.from(queue.querySelectorAll("article.card")); }
  function current() { return queue.querySelector("article.card.current"); }
  function say(text) { status.textContent = text; }

  function show(card) {
    for (const other of cards()) other.classList.remove("current");
    if (!card) { nextBatch(); return; }
    card.classList.add("current");
    const img = card.querySelector("img.thumb");
    if (img && !img.getAttribute("src")) img.setAttribute("src", img.dataset.src);
    card.focus();
  }

  function nextBatch() {
    const params = new URLSearchParams();
    for (const id of skipped) params.append("skip", id);
    window.location.assign(window.location.pathname + (skipped.length ? "?" + params : ""));
  }

  function advance(card) {
    const list = cards();
    const next = list[list.indexOf(card) + 1] || null;
    show(next);
    return next;
  }

  function done(card) {
    const next = cards()[cards().indexOf(card) + 1] || null;
    card.remove();
    show(next);
  }

  async function grade(card, category) {
    const body = new FormData();
    body.append("category", category);
    body.append("version", card.dataset.version);
    const answer = await fetch("/grading/groups/" + card.dataset.group + "/grade",
      {method: "POST", body, credentials: "same-origin",
       headers: {"Accept": "application/json", "X-CSRF-Token": window.tutela.csrfToken()}});
    const reply = await answer.json().catch(() => ({}));
    if (answer.ok) {
      say("Group of " + card.dataset.size + " graded " + card.dataset.label + ": " + reply.state + ".");
      refreshStates();
      done(card);
    } else if (answer.status === 409) {
      card.dataset.version = reply.version;
      if (reply.takes_votes) {
        card.classList.add("conflict");
        say("Another examiner graded this group while you were looking at it. Press the key again to grade it.");
      } else {
        say("This group is no longer open for grading (" + (reply.detail || "closed") + ").");
        done(card);
      }
    } else {
      say("The grade was not recorded (" + answer.status + ").");
    }
  }

  async function refreshStates() {
    // The exhibit's group counts, so a grade that made a group trusted shows at once.
    const answer = await fetch("/api/v1/grading/exhibits/" + encodeURIComponent(queue.dataset.exhibit) + "/states",
      {credentials: "same-origin"});
    if (!answer.ok) return;
    const states = await answer.json();
    document.getElementById("grading-states").textContent = "Groups: " + states.ungraded + " ungraded, " +
      states.unverified + " unverified, " + states.trusted + " trusted, " + states.disputed + " disputed.";
  }

  async function showClear(card) {
    const img = card.querySelector("img.thumb");
    const answer = await fetch("/grading/thumbnails/" + card.dataset.item + "/clear",
      {method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": window.tutela.csrfToken()}});
    if (!answer.ok) { say("The clear picture was refused (" + answer.status + ")."); return; }
    img.src = URL.createObjectURL(await answer.blob());
    img.classList.remove("blurred");
    img.classList.add("clear");
    say("Shown clear; this view is counted and audited.");
  }

  async function act(key) {
    const card = current();
    if (!card || busy) return;
    busy = true;
    try {
      if (key === skipKey) { skipped.push(card.dataset.group); advance(card); say("Skipped."); }
      else if (key === clearKey) await showClear(card);
      else if (keys[key]) { card.dataset.label = key.toUpperCase(); await grade(card, keys[key]); }
    } finally { busy = false; }
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key === skipKey || key === clearKey || keys[key]) { event.preventDefault(); act(key); }
  });
  queue.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-key]");
    if (!button) return;
    event.preventDefault();
    show(button.closest("article.card"));
    act(button.dataset.key);
  });
  const first = cards()[0];
  if (first) show(first);  // an empty queue stays as it is: no reload loop
})();
