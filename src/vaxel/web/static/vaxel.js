/* vaxel: the small amount of JavaScript every page shares. Our own code, no libraries.
 *
 * - api(): fetch with the CSRF token and JSON, errors as readable messages;
 * - forms and buttons marked data-api send their values to the JSON API, then reload the
 *   page with a confirmation (?done=key) or show the error next to the form;
 * - parts of a page marked data-live-region are refreshed when the server says that what
 *   they show has changed (server-sent events), unless the user is working inside them.
 */
"use strict";

const vaxel = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function api(method, url, body) {
    const init = {method, headers: {"X-CSRF-Token": csrf(), "Accept": "application/json"},
                  credentials: "same-origin"};
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    if (response.status !== 204) {
      const text = await response.text();
      try { data = text ? JSON.parse(text) : null; } catch { data = {detail: text}; }
    }
    if (!response.ok) {
      const error = new Error((data && data.detail && typeof data.detail === "string")
        ? data.detail : `${response.status} ${response.statusText}`);
      error.status = response.status;
      error.field = data && data.field;
      error.data = data;
      throw error;
    }
    return data;
  }

  // A form's values as JSON: checkboxes are booleans, empty number fields are left out.
  function formJson(form, submitter) {
    const values = {};
    for (const element of form.elements) {
      if (!element.name || element.disabled || element.type === "submit" ||
          element.type === "button" || element.name === "csrf_token") continue;
      if (element.type === "checkbox") { values[element.name] = element.checked; continue; }
      if (element.type === "radio") { if (element.checked) values[element.name] = element.value; continue; }
      if (element.type === "number" || element.dataset.type === "int") {
        if (element.value !== "") values[element.name] = Number(element.value);
        continue;
      }
      if (element.dataset.type === "date" && element.value === "") {
        values[element.name] = null;
        continue;
      }
      if (element.dataset.type === "null-int") {
        values[element.name] = element.value === "" ? null : Number(element.value);
        continue;
      }
      values[element.name] = element.value;
    }
    if (submitter && submitter.name) values[submitter.name] = submitter.value;
    return values;
  }

  function showError(form, error) {
    const box = form.querySelector(".form-error");
    form.querySelectorAll('[aria-invalid="true"]').forEach((el) => el.removeAttribute("aria-invalid"));
    let field = null;
    if (error.field) field = form.querySelector(`[name="${CSS.escape(error.field)}"]`);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      if (box && box.id) field.setAttribute("aria-describedby", box.id);
    }
    if (box) {
      box.textContent = error.message;
      box.hidden = false;
    } else {
      window.alert(error.message);
    }
    (field || box)?.focus?.();
  }

  function done(element, data) {
    const target = element.dataset.redirect;
    const key = element.dataset.done;
    const url = new URL(target || window.location.href, window.location.href);
    url.searchParams.delete("done");
    url.searchParams.delete("error");
    if (key) url.searchParams.set("done", key);
    window.location.assign(url.toString());
  }

  async function submitForm(event) {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    const submitter = event.submitter;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const method = (submitter && submitter.dataset.method) || form.dataset.method || "POST";
    let url = (submitter && submitter.dataset.api) || form.dataset.api;
    const body = form.enctype === "multipart/form-data"
      ? new FormData(form) : formJson(form, submitter);
    // "/api/units/{unit}/…": the chosen unit goes into the address, not the body.
    url = url.replace(/\{(\w+)\}/g, (_, name) => {
      const value = body instanceof FormData ? body.get(name) : body[name];
      if (body instanceof FormData) body.delete(name); else delete body[name];
      return encodeURIComponent(value ?? "");
    });
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    form.setAttribute("aria-busy", "true");
    try {
      const data = await api(method, url, method === "DELETE" ? undefined : body);
      if (form.hasAttribute("data-result")) {
        form.dispatchEvent(new CustomEvent("vaxel:result", {detail: data, bubbles: true}));
      } else {
        done(submitter && submitter.dataset.done ? submitter : form, data);
      }
    } catch (error) {
      showError(form, error);
      if (form.hasAttribute("data-result")) {
        form.dispatchEvent(new CustomEvent("vaxel:error", {detail: error, bubbles: true}));
      }
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      form.removeAttribute("aria-busy");
    }
  }

  async function clickButton(event) {
    const button = event.target.closest("button[data-api]:not(form[data-api] button)");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    try {
      const body = button.dataset.body ? JSON.parse(button.dataset.body) : (button.dataset.method === "DELETE" ? undefined : {});
      const data = await api(button.dataset.method || "POST", button.dataset.api, body);
      if (button.dataset.message) {
        const status = document.getElementById(button.dataset.message);
        if (status) status.textContent = (data && data.detail) || "";
        button.disabled = false;
        return;
      }
      done(button, data);
    } catch (error) {
      button.disabled = false;
      const status = button.dataset.message && document.getElementById(button.dataset.message);
      if (status) {
        status.textContent = error.message;
        status.classList.add("field-error");
      } else {
        window.alert(error.message);
      }
    }
  }

  // --- live regions ---------------------------------------------------------------------------

  const liveKinds = () => (document.body.dataset.live || "").split(/\s+/).filter(Boolean);
  let refreshTimer = null;

  async function refreshRegions() {
    const regions = [...document.querySelectorAll("[data-live-region]")];
    if (!regions.length) return;
    const busy = regions.some((r) => r.contains(document.activeElement) &&
      document.activeElement.matches("input, textarea, select"));
    if (busy) { refreshTimer = setTimeout(refreshRegions, 3000); return; }
    const response = await fetch(window.location.href, {credentials: "same-origin"});
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const region of regions) {
      const replacement = fresh.getElementById(region.id);
      if (replacement && replacement.innerHTML !== region.innerHTML) {
        region.innerHTML = replacement.innerHTML;
      }
    }
  }

  function listen(handlers) {
    if (!window.EventSource) return null;
    const source = new EventSource("/api/events");
    for (const [kind, handler] of Object.entries(handlers)) {
      source.addEventListener(kind, (event) => handler(JSON.parse(event.data)));
    }
    return source;
  }

  function startLive() {
    const kinds = liveKinds();
    if (!kinds.length) return;
    const handlers = {};
    for (const kind of [...kinds, "resync"]) {
      handlers[kind] = () => {
        clearTimeout(refreshTimer);
        refreshTimer = setTimeout(refreshRegions, 250);
      };
    }
    listen(handlers);
  }

  // A voicemail played to the end counts as heard.
  document.addEventListener("ended", (event) => {
    const url = event.target.dataset && event.target.dataset.heard;
    if (url) api("POST", url).catch(() => {});
  }, true);

  // A change brings the page back with its confirmation (?done=key): the keyboard goes to the
  // main part, where the confirmation is, not back to the top of the page; and the address
  // loses the key, so that reloading the page does not confirm the change again.
  function afterChange() {
    const url = new URL(window.location.href);
    if (!url.searchParams.has("done") && !url.searchParams.has("error")) return;
    if (document.querySelector(".flash")) document.getElementById("main")?.focus();
    url.searchParams.delete("done");
    url.searchParams.delete("error");
    window.history.replaceState(window.history.state, "", url.toString());
  }

  document.addEventListener("submit", submitForm);
  document.addEventListener("click", clickButton);
  document.addEventListener("DOMContentLoaded", () => { afterChange(); startLive(); });

  return {api, formJson, showError, listen};
})();
