/* The operator console: search as you type, the live queue, and the actions on a person,
 * all reachable from the keyboard. Results are built with textContent only. */
"use strict";

(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const text = JSON.parse($("#console-text").textContent);
  const search = $("#search");
  const hitsList = $("#hits");
  const status = $("#search-status");
  const callStatus = $("#call-status");
  const actionStatus = $("#action-status");
  const template = $("#hit-template");
  const hits = new Map();  // key -> hit data
  let activeKey = null;
  let sequence = 0;
  let timer = null;
  let currentCall = null;
  let queueAvailable = !$("#queue-unavailable");
  let returnFocus = null;

  // What an action did (or why it could not), apart from the count of hits.
  function say(message, kind = "ok") {
    actionStatus.className = `notice ${kind}`;
    actionStatus.textContent = message;
    actionStatus.hidden = !message;
  }

  // --- search ---------------------------------------------------------------------------------

  async function runSearch() {
    const query = search.value.trim();
    const mine = ++sequence;
    if (!query) {
      hitsList.replaceChildren();
      hits.clear();
      status.textContent = "";
      return;
    }
    try {
      const data = await vaxel.api("GET", `/api/directory/search?q=${encodeURIComponent(query)}`);
      if (mine !== sequence) return;  // a newer query is on its way
      render(data.hits);
      status.textContent = data.hits.length === 0 ? text.no_hits
        : (data.hits.length === 1 ? text.one_hit : text.hits.replace("{n}", data.hits.length));
    } catch (error) {
      if (mine === sequence) status.textContent = error.message;
    }
  }

  function scheduleSearch(delay = 60) {
    clearTimeout(timer);
    timer = setTimeout(runSearch, delay);
  }

  function render(list) {
    const focusedKey = document.activeElement?.closest?.(".hit")?.dataset.key;
    hits.clear();
    const items = list.map((hit) => {
      hits.set(hit.key, hit);
      return renderHit(hit);
    });
    hitsList.replaceChildren(...items);
    if (!hits.has(activeKey)) activeKey = list.length ? list[0].key : null;
    markActive();
    if (focusedKey && hits.has(focusedKey)) itemOf(focusedKey)?.focus();
  }

  function renderHit(hit) {
    const item = template.content.firstElementChild.cloneNode(true);
    item.dataset.key = hit.key;
    item.id = `hit-${hit.key.replace(/[^a-zA-Z0-9]/g, "-")}`;
    item.setAttribute("aria-labelledby", `${item.id}-name`);
    const name = $("[data-name]", item);
    name.id = `${item.id}-name`;
    name.textContent = hit.name;
    const meta = [hit.title, hit.unit.short].filter(Boolean).join(" · ");
    const metaLine = $("[data-meta]", item);
    metaLine.textContent = hit.kind === "function" ? `${text.function_number} · ${meta}` : meta;
    metaLine.title = hit.unit.path;
    $("[data-numbers]", item).textContent = hit.numbers.length
      ? hit.numbers.map((n) => `${n.display}${n.extension ? ` (${n.extension})` : ""} ${n.kind_label}`).join(", ")
      : text.none;
    $("[data-hours]", item).textContent = hit.hours
      ? `${hit.hours.status} (${hit.hours.schedule})` : text.no_hours;
    $("[data-devices]", item).textContent = hit.devices.length
      ? hit.devices.map((d) => `${d.label}: ${d.registered ? text.registered : text.not_registered}`).join(", ")
      : text.none;
    $("[data-person-note]", item).textContent = hit.person_note || "–";
    if (hit.kind === "function") {  // a function number has no person to note anything about
      $("[data-person-note]", item).remove();
      $("[data-person-note-label]", item).remove();
    }
    // The hänvisning's note only while someone is diverted and wrote one.
    const notes = hit.notes || "";
    $("[data-notes]", item).textContent = notes;
    if (!notes) {
      $("[data-notes]", item).remove();
      $("[data-notes-label]", item).remove();
    }
    const presence = $("[data-presence]", item);
    if (hit.presence) {
      const badge = document.createElement("span");
      badge.className = `badge ${hit.presence.available ? "ok" : "away"}`;
      badge.textContent = hit.presence.label;
      presence.append(badge);
      if (!hit.presence.available) {
        const back = document.createElement("p");
        back.className = "return-time";
        back.textContent = hit.presence.until_text
          ? `${text.back} ${hit.presence.until_text}` : text.return_unknown;
        presence.append(back);
        const sentence = document.createElement("p");
        sentence.className = "muted sentence";
        sentence.textContent = hit.presence.sentence;
        item.querySelector("div").append(sentence);
      }
    } else {
      $("[data-action=absence]", item).remove();
    }
    for (const button of item.querySelectorAll("[data-action]")) {
      button.setAttribute("aria-describedby", name.id);
    }
    return item;
  }

  const itemOf = (key) => key && hitsList.querySelector(`[data-key="${CSS.escape(key)}"]`);

  function markActive() {
    for (const item of hitsList.children) {
      item.classList.toggle("is-active", item.dataset.key === activeKey);
    }
  }

  function currentHit() {
    const inside = document.activeElement?.closest?.(".hit");
    if (inside) activeKey = inside.dataset.key;
    return hits.get(activeKey) || null;
  }

  function move(step) {
    const items = [...hitsList.children];
    if (!items.length) return;
    const now = items.findIndex((i) => i.dataset.key === activeKey);
    let next = now + step;
    if (document.activeElement === search) next = step > 0 ? 0 : items.length - 1;
    next = Math.max(0, Math.min(items.length - 1, next));
    activeKey = items[next].dataset.key;
    markActive();
    items[next].focus();
  }

  // --- dialogs --------------------------------------------------------------------------------

  function openDialog(kind, hit) {
    if (!hit) { say(text.choose_first, "info"); return; }
    if (kind === "transfer" && !currentCall) {
      const why = queueAvailable || !$("#queue-unavailable")
        ? text.no_current_call : $("#queue-unavailable").textContent;
      callStatus.textContent = why;
      say(why, "info");
      return;
    }
    const dialog = $(`#${kind}-dialog`);
    const form = $("form", dialog);
    form.reset();
    $(".form-error", form).textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    dialog.querySelectorAll("[data-person-name]").forEach((el) => { el.textContent = hit.name; });
    form.dataset.key = hit.key;
    if (kind === "message") {
      const line = $("[data-person-presence]", dialog);
      line.textContent = hit.presence && !hit.presence.available ? hit.presence.sentence : "";
    }
    if (kind === "absence" && hit.presence && !hit.presence.available) {
      form.elements.reason.value = hit.presence.reason || form.elements.reason.value;
      form.elements.until.value = hit.presence.until_text || "";
      form.elements.note.value = hit.presence.note || "";
    }
    if (kind === "transfer") {
      const select = form.elements.target;
      select.replaceChildren(...hit.numbers.map((n) => {
        const option = document.createElement("option");
        option.value = n.extension || n.e164;
        option.textContent = `${n.display} (${n.kind_label})`;
        return option;
      }));
    }
    returnFocus = itemOf(hit.key) || search;
    dialog.showModal();
    form.querySelector("input, select, textarea")?.focus();
  }

  function closeDialog(dialog) {
    dialog.close();
  }

  for (const dialog of document.querySelectorAll("dialog")) {
    dialog.addEventListener("close", () => { returnFocus?.focus(); });
    dialog.addEventListener("click", (event) => {
      if (event.target.closest("[data-close]")) closeDialog(dialog);
    });
  }

  async function submitDialog(event) {
    const form = event.target.closest("form[data-dialog-form]");
    if (!form) return;
    event.preventDefault();
    const hit = hits.get(form.dataset.key);
    const values = vaxel.formJson(form, event.submitter);
    const kind = form.dataset.dialogForm;
    try {
      let message = "";
      if (kind === "message") {
        const task = await vaxel.api("POST", "/api/callbacks", {
          for_person_id: hit.person_id, caller_number: values.caller_number,
          caller_name: values.caller_name, note: values.note,
        });
        message = text.message_saved.replace("{name}", hit.name).replace("{due}", task.due_text);
      } else if (kind === "absence") {
        await vaxel.api("PUT", `/api/people/${hit.person_id}/absence`, values);
        message = text.absence_saved.replace("{name}", hit.name);
      } else if (kind === "transfer") {
        const result = await vaxel.api("POST",
          `/api/switchboard/calls/${encodeURIComponent(currentCall.call_id)}/transfer`, values);
        message = result.detail;
        $("#current-call").hidden = values.mode !== "consult";
        if (values.mode !== "consult") currentCall = null;
      }
      closeDialog(form.closest("dialog"));
      say(message);
      scheduleSearch(0);
    } catch (error) {
      vaxel.showError(form, error);
    }
  }
  document.addEventListener("submit", submitDialog);

  $("[data-clear-absence]").addEventListener("click", async (event) => {
    const form = event.target.closest("form");
    const hit = hits.get(form.dataset.key);
    try {
      await vaxel.api("DELETE", `/api/people/${hit.person_id}/absence`);
      closeDialog(form.closest("dialog"));
      say(text.absence_cleared.replace("{name}", hit.name));
      scheduleSearch(0);
    } catch (error) {
      vaxel.showError(form, error);
    }
  });

  // --- queue and calls ------------------------------------------------------------------------

  function formatWait(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function renderQueue(snapshot) {
    queueAvailable = snapshot.available;
    const list = $("#queue-list");
    $("#queue-count").textContent = snapshot.calls.length;
    const items = snapshot.calls.map((call) => {
      const li = document.createElement("li");
      li.dataset.callId = call.call_id;
      const who = document.createElement("span");
      const strong = document.createElement("strong");
      strong.textContent = call.caller_name || call.caller_display;
      const dialled = document.createElement("span");
      dialled.className = "muted";
      dialled.textContent = call.dialled;
      who.append(strong, document.createElement("br"), dialled);
      const wait = document.createElement("span");
      wait.className = "nowrap";
      wait.dataset.since = call.waiting_since;
      wait.textContent = formatWait(call.waiting_s);
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "small secondary";
      pick.dataset.pick = call.call_id;
      pick.textContent = text.pick;
      pick.setAttribute("aria-label", `${text.pick}: ${call.caller_name || call.caller_display}`);
      li.append(who, wait, pick);
      return li;
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = text.queue_empty;
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  // Who is signed in to the queue: asked again whenever a sign-in changes.
  function renderOperators(snapshot) {
    showSignedIn(snapshot.signed_in);
    const list = $("#operator-list");
    $("#operator-count").textContent = snapshot.operators.length;
    const items = snapshot.operators.map((operator) => {
      const li = document.createElement("li");
      li.dataset.person = operator.person_id;
      const who = document.createElement("span");
      const name = document.createElement("strong");
      name.textContent = operator.name;
      who.append(name);
      if (operator.me) who.append(` (${text.operator_me})`);
      const detail = document.createElement("span");
      detail.className = "muted nowrap";
      detail.textContent = `${operator.number} · ${text.operator_since.replace("{time}", operator.since_text)}`;
      li.append(who, " ", detail);
      return li;
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.id = "operators-none";
      li.textContent = text.operators_none;
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  async function refreshOperators() {
    try {
      renderOperators(await vaxel.api("GET", "/api/switchboard/operators"));
    } catch {
      // The next change or resync asks again; the list keeps what it showed.
    }
  }

  // The operator's own sign-in: the button says what a press does next. The list of who is
  // signed in (and so the button) also follows a *21# from the phone or a sign-out by the queue.
  const signInButton = $("#queue-sign-in");
  let signingIn = false;

  function showSignedIn(signedIn) {
    signInButton.dataset.signedIn = signedIn ? "true" : "false";
    $("[data-label]", signInButton).textContent = signedIn ? text.sign_out : text.sign_in;
  }

  async function toggleSignIn() {
    if (signingIn) return;  // one request at a time; the button keeps the focus meanwhile
    signingIn = true;
    signInButton.setAttribute("aria-busy", "true");
    const out = signInButton.dataset.signedIn === "true";
    try {
      const result = await vaxel.api("POST", `/api/switchboard/${out ? "sign-out" : "sign-in"}`);
      showSignedIn(result.signed_in);
      callStatus.classList.remove("field-error");
      callStatus.textContent = result.detail;
      await refreshOperators();  // stored before the answer came: the list has it now
    } catch (error) {
      callStatus.classList.add("field-error");
      callStatus.textContent = error.message;
    } finally {
      signingIn = false;
      signInButton.removeAttribute("aria-busy");
    }
  }

  setInterval(() => {
    for (const el of document.querySelectorAll("#queue-list [data-since]")) {
      el.textContent = formatWait((Date.now() - Date.parse(el.dataset.since)) / 1000);
    }
  }, 1000);

  function showCall(call) {
    currentCall = call;
    $("#current-call").hidden = false;
    $("#current-call-caller").textContent = `${call.caller_name || call.caller_display} – ${call.dialled || ""}`;
  }

  async function answerNext() {
    try {
      const result = await vaxel.api("POST", "/api/switchboard/answer-next");
      callStatus.classList.remove("field-error");
      if (result.call) showCall(result.call);
      callStatus.textContent = result.call ? text.connected : result.detail;
    } catch (error) {
      callStatus.classList.add("field-error");
      callStatus.textContent = error.message;
    }
  }

  async function pickCall(callId) {
    try {
      const result = await vaxel.api("POST", `/api/switchboard/calls/${encodeURIComponent(callId)}/pick`);
      showCall(result.call);
      callStatus.textContent = text.connected;
    } catch (error) {
      callStatus.classList.add("field-error");
      callStatus.textContent = error.message;
    }
  }

  async function consult(action) {
    if (!currentCall) return;
    try {
      const result = await vaxel.api("POST",
        `/api/switchboard/calls/${encodeURIComponent(currentCall.call_id)}/transfer/${action}`);
      callStatus.textContent = result.detail;
      if (action === "complete") { currentCall = null; $("#current-call").hidden = true; }
    } catch (error) {
      callStatus.textContent = error.message;
    }
  }

  $("#answer-next").addEventListener("click", answerNext);
  signInButton.addEventListener("click", toggleSignIn);
  $("#consult-complete").addEventListener("click", () => consult("complete"));
  $("#consult-cancel").addEventListener("click", () => consult("cancel"));
  $("#queue-list").addEventListener("click", (event) => {
    const button = event.target.closest("[data-pick]");
    if (button) pickCall(button.dataset.pick);
  });

  // --- keyboard -------------------------------------------------------------------------------

  hitsList.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    const item = event.target.closest(".hit");
    if (!item) return;
    activeKey = item.dataset.key;
    markActive();
    if (button) openDialog(button.dataset.action, hits.get(activeKey));
  });

  hitsList.addEventListener("focusin", (event) => {
    const item = event.target.closest(".hit");
    if (item) { activeKey = item.dataset.key; markActive(); }
  });

  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]")) return;  // the dialog has the keyboard
    const inField = event.target.matches("input, textarea, select");
    const key = event.key.toLowerCase();
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const actions = {s: () => search.focus(), n: answerNext, l: toggleSignIn,
        m: () => openDialog("message", currentHit()), h: () => openDialog("absence", currentHit()),
        k: () => openDialog("transfer", currentHit())};
      if (actions[key]) { event.preventDefault(); actions[key](); }
      return;
    }
    if (event.key === "/" && !inField) { event.preventDefault(); search.focus(); search.select(); return; }
    const onHit = event.target.classList?.contains("hit");
    if (event.target === search || onHit) {
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); return; }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        const first = hitsList.firstElementChild;
        if (onHit && event.target === first) search.focus(); else move(-1);
        return;
      }
    }
    if (onHit && event.key === "Enter") { event.preventDefault(); openDialog("message", currentHit()); return; }
    if (event.key === "Escape" && !inField) { search.focus(); search.select(); }
  });

  search.addEventListener("input", () => scheduleSearch());
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); scheduleSearch(0); }
  });

  // --- live -----------------------------------------------------------------------------------

  const visiblePerson = (id) => [...hits.values()].some((h) => String(h.person_id) === String(id));
  const source = vaxel.listen({
    queue: (event) => renderQueue(event.data),
    absence: (event) => { if (visiblePerson(event.id)) scheduleSearch(100); },
    person: () => { if (hits.size) scheduleSearch(300); },
    registration: () => { if (hits.size) scheduleSearch(300); },
    queue_sign_in: () => refreshOperators(),
    resync: () => { scheduleSearch(100); refreshOperators(); },
  });
  // A stream that reconnects (they end every few minutes) may have missed a sign-in.
  let opened = false;
  source?.addEventListener("open", () => { if (opened) refreshOperators(); opened = true; });

  if (search.value) scheduleSearch(0);
})();
