// The operator's dashboard (docs/dashboard.md). Everything it shows comes
// from the daemon's JSON API, called with the operator's API key; the key is
// kept in this tab's sessionStorage only. The page's CSP forbids inline code
// and styles: this file builds every element with DOM calls and sets text
// with textContent (never innerHTML), so an envelope's data cannot become
// markup. Charts are inline SVG built the same way.
"use strict";

(function () {
  const KEY = "signflow.api-key";
  const PAGE = 50;            // envelopes per page of the list
  const COUNT_PAGES = 20;     // pages of 1,000 read to count envelopes by state
  const SVG = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);

  // ---- small DOM helpers

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "className") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else e.setAttribute(k, String(v));
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function say(text, isError) {
    const s = $("status");
    s.textContent = text || "";
    s.classList.toggle("error", !!isError);
  }

  function seconds(s) {
    if (s === undefined || s === null) return "–";
    if (s < 90) return Math.round(s) + " s";
    if (s < 5400) return Math.round(s / 60) + " min";
    if (s < 172800) return (s / 3600).toFixed(1) + " h";
    return (s / 86400).toFixed(1) + " days";
  }

  function percent(x) {
    return x === undefined || x === null ? "–" : (x * 100).toFixed(1) + " %";
  }

  function when(text) {
    return text ? text.replace("T", " ").replace("Z", "") : "–";
  }

  // ---- the API

  class Unauthorized extends Error {}

  async function api(method, path, payload) {
    const key = sessionStorage.getItem(KEY);
    const headers = { "Accept": "application/json" };
    if (key) headers["Authorization"] = "Bearer " + key;
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(path, { method, headers, credentials: "omit", cache: "no-store",
                              body: payload === undefined ? undefined : JSON.stringify(payload) });
    } catch (e) {
      throw new Error("the daemon cannot be reached (" + e.message + ")");
    }
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (r.status === 401 || r.status === 403) {
      throw new Unauthorized((body && body.error) || ("HTTP " + r.status));
    }
    if (!r.ok && r.status !== 202) {
      const err = new Error((body && body.error) || ("HTTP " + r.status + " from " + path));
      err.status = r.status;
      throw err;
    }
    return body;
  }

  function signedOut(message) {
    sessionStorage.removeItem(KEY);
    $("dashboard").hidden = true;
    $("session-actions").hidden = true;
    $("login-section").hidden = false;
    $("login-error").textContent = message || "";
    $("api-key").value = "";
    $("api-key").focus();
  }

  // Runs a loader; a 401/403 sends the operator back to the login form with
  // the daemon's message, anything else is said in the section.
  async function guarded(where, fn) {
    try {
      await fn();
    } catch (e) {
      if (e instanceof Unauthorized) { signedOut(e.message); return; }
      if (where) {
        let target = $(where);
        if (target.tagName === "TABLE") target = target.tBodies[0];
        const message = el("span", { className: "error", role: "alert", text: e.message });
        if (target.tagName === "TBODY") clear(target).append(el("tr", {}, el("td", { colspan: 7 }, message)));
        else if (target.tagName === "UL") clear(target).append(el("li", {}, message));
        else clear(target).append(el("p", {}, message));
      } else {
        say(e.message, true);
      }
    }
  }

  // ---- envelopes

  const envelopes = { afters: [0], page: 0, filter: {} };

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "" && v !== null) q.set(k, v);
    const s = q.toString();
    return s ? "?" + s : "";
  }

  async function loadEnvelopePage() {
    const after = envelopes.afters[envelopes.page];
    const body = await api("GET", "/v1/instances" + query(Object.assign({}, envelopes.filter,
      { limit: PAGE, after: after || undefined })));
    const rows = clear($("envelope-rows"));
    for (const e of body.instances) {
      const show = el("button", { type: "button", className: "link", "data-timeline": e.id,
        "aria-label": "Timeline of envelope " + e.id, text: "Timeline" });
      show.addEventListener("click", () => showTimeline(e.id));
      rows.append(el("tr", { "data-envelope": e.id, "data-state": e.state, "data-status": e.status },
        el("td", { text: String(e.id) }),
        el("td", { text: e.workflow }),
        el("td", { "data-testid": "envelope-state", text: e.state }),
        el("td", {}, el("span", { className: "badge " + e.status, "data-testid": "envelope-status", text: e.status })),
        el("td", { text: when(e.updated_at) }),
        el("td", {}, show)));
    }
    if (!body.instances.length) {
      rows.append(el("tr", {}, el("td", { colspan: 6, text: "No envelopes match." })));
    }
    if (body.next_after_id) envelopes.afters[envelopes.page + 1] = body.next_after_id;
    $("envelopes-prev").disabled = envelopes.page === 0;
    $("envelopes-next").disabled = !body.next_after_id;
    $("envelopes-page").textContent = "Page " + (envelopes.page + 1);
  }

  // Counts by status and state: read the list 1,000 at a time (the API has no
  // counts), up to COUNT_PAGES pages; the note says when there were more.
  async function loadCounts() {
    const byStatus = new Map(), byState = new Map();
    let after, pages = 0, total = 0, more = false;
    for (;;) {
      const body = await api("GET", "/v1/instances" + query({ limit: 1000, after }));
      for (const e of body.instances) {
        byStatus.set(e.status, (byStatus.get(e.status) || 0) + 1);
        byState.set(e.state, (byState.get(e.state) || 0) + 1);
        ++total;
      }
      ++pages;
      if (!body.next_after_id) break;
      if (pages >= COUNT_PAGES) { more = true; break; }
      after = body.next_after_id;
    }
    const chips = (list, map, kind) => {
      clear(list);
      const sorted = [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      for (const [name, n] of sorted) {
        const b = el("button", { type: "button", className: "chip", ["data-" + kind]: name,
          "aria-label": n + " " + name + ": list them" },
        el("span", { className: "chip-name", text: name }), el("span", { className: "chip-count", text: String(n) }));
        b.addEventListener("click", () => {
          $("filter-status").value = kind === "status" ? name : "";
          $("filter-state").value = kind === "state" ? name : "";
          applyFilter();
        });
        list.append(el("li", {}, b));
      }
      if (!sorted.length) list.append(el("li", { text: "no envelopes yet" }));
    };
    chips($("status-counts"), byStatus, "status");
    chips($("state-counts"), byState, "state");
    $("counts-note").textContent = more
      ? "Counted the first " + total.toLocaleString() + " envelopes; there are more."
      : total.toLocaleString() + " envelopes in all.";
  }

  function applyFilter() {
    envelopes.filter = {
      workflow: $("filter-workflow").value,
      status: $("filter-status").value,
      state: $("filter-state").value.trim(),
      q: $("filter-q").value.trim(),
      from: $("filter-from").value,
      to: $("filter-to").value,
    };
    envelopes.afters = [0];
    envelopes.page = 0;
    guarded("envelope-rows", loadEnvelopePage);
  }

  // ---- one envelope's timeline (its audit trail and the chain's check)

  async function showTimeline(id) {
    $("timeline-id").value = id;
    const body = $("timeline-body");
    clear(body).append(el("p", { text: "Loading envelope " + id + "…" }));
    await guarded("timeline-body", async () => {
      const [trail, envelope] = await Promise.all([
        api("GET", "/v1/instances/" + encodeURIComponent(id) + "/audit"),
        api("GET", "/v1/instances/" + encodeURIComponent(id)),
      ]);
      clear(body);
      body.append(el("h3", { id: "timeline-title", text: "Envelope " + id + " · " + envelope.workflow }));
      body.append(el("p", { "data-envelope-summary": id },
        "State ", el("strong", { "data-testid": "timeline-state", text: envelope.state }),
        ", status ", el("span", { className: "badge " + envelope.status, text: envelope.status }), "."));
      const v = trail.verdict || {};
      body.append(el("p", { id: "chain-verdict", className: v.ok ? "ok" : "error", "data-ok": v.ok ? "true" : "false",
        role: v.ok ? null : "alert",
        text: v.ok
          ? "The audit chain verifies: " + v.entries + " entries, head " + String(v.head || "").slice(0, 16) + "…"
          : "The audit chain does NOT verify" + (v.problem ? " (" + v.problem + " at entry " + v.first_bad + ")" : "") +
            (v.explanation ? ": " + v.explanation : "") }));
      const list = el("ol", { id: "timeline-entries", className: "timeline" });
      for (const entry of trail.entries || []) {
        const detail = entry.detail && Object.keys(entry.detail).length ? JSON.stringify(entry.detail) : "";
        list.append(el("li", { "data-seq": entry.seq, "data-kind": entry.kind },
          el("time", { datetime: entry.at, text: when(entry.at) }),
          el("span", { className: "kind", text: entry.kind }),
          el("span", { className: "actor", text: "by " + entry.actor }),
          entry.ip ? el("span", { className: "meta", text: entry.ip + (entry.user_agent ? " · " + entry.user_agent : "") }) : null,
          detail ? el("code", { className: "detail", text: detail }) : null));
      }
      if (!(trail.entries || []).length) list.append(el("li", { text: "No audit entries yet." }));
      if (envelope.status === "running") body.append(envelopeActions(id, envelope));
      body.append(list);
      body.focus();
    });
  }

  // ---- acting on a running envelope: cancel, resend, correct. Each asks
  // for a confirmation first; the daemon records each with the key's name.

  function confirmStep(container, question, confirmId, confirmText, run) {
    const box = el("div", { className: "confirm", role: "group", "aria-label": question },
      el("p", { text: question }));
    const yes = el("button", { type: "button", id: confirmId, className: "danger", text: confirmText });
    const no = el("button", { type: "button", text: "Keep it" });
    const note = el("p", { className: "error", role: "alert" });
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      try {
        await run();
      } catch (e) {
        if (e instanceof Unauthorized) { signedOut(e.message); return; }
        note.textContent = e.message;
        yes.disabled = false;
      }
    });
    no.addEventListener("click", () => box.remove());
    box.append(yes, no, note);
    clear(container).append(box);
    yes.focus();
  }

  function envelopeActions(id, envelope) {
    const wrap = el("div", { id: "envelope-actions", className: "actions" }, el("h4", { text: "Act on this envelope" }));
    const slot = el("div", { id: "action-slot" });
    const cancel = el("button", { type: "button", id: "cancel-open", className: "danger", text: "Cancel envelope…" });
    cancel.addEventListener("click", () => {
      const reason = el("textarea", { id: "cancel-reason", rows: 2, maxlength: 1000, required: true });
      const form = el("div", {}, el("label", { for: "cancel-reason", text: "Why is it cancelled? (recorded)" }), reason);
      clear(slot).append(form);
      const confirmArea = el("div");
      form.append(confirmArea);
      const ask = el("button", { type: "button", id: "cancel-next", text: "Continue" });
      form.append(ask);
      ask.addEventListener("click", () => {
        if (!reason.value.trim()) { reason.focus(); return; }
        confirmStep(confirmArea, "Cancel envelope " + id + "? Its signers' links stop working.", "cancel-confirm",
          "Yes, cancel envelope " + id, async () => {
            await api("POST", "/v1/instances/" + encodeURIComponent(id) + "/cancel", { reason: reason.value.trim() });
            say("Envelope " + id + " cancelled.");
            await showTimeline(id);
          });
      });
      reason.focus();
    });
    wrap.append(cancel);
    const roles = envelope.roles && typeof envelope.roles === "object" ? envelope.roles : {};
    const table = el("table", { className: "signers" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Role" }), el("th", { scope: "col", text: "Name" }),
        el("th", { scope: "col", text: "Email" }), el("th", { scope: "col", text: "" }))));
    const rows = el("tbody");
    for (const [role, raw] of Object.entries(roles)) {
      const who = typeof raw === "string" ? { email: raw } : (raw || {});
      const resend = el("button", { type: "button", "data-resend": role, text: "Resend" });
      const correct = el("button", { type: "button", "data-correct": role, text: "Correct…" });
      resend.addEventListener("click", () => confirmStep(slot, "Send the signing request to " + role + " again, with a new link?",
        "resend-confirm", "Yes, send it again", async () => {
          await api("POST", "/v1/instances/" + encodeURIComponent(id) + "/signers/" + encodeURIComponent(role) + "/resend", {});
          say("The request to " + role + " was sent again.");
          await showTimeline(id);
        }));
      correct.addEventListener("click", () => {
        const inputs = {};
        const form = el("div", { className: "correct", id: "correct-form" }, el("h5", { text: "Correct " + role }));
        for (const [k, label, type] of [["email", "Email", "email"], ["name", "Name", "text"], ["phone", "Phone", "tel"]]) {
          inputs[k] = el("input", { id: "correct-" + k, type, value: who[k] || "", autocomplete: "off" });
          form.append(el("label", { for: "correct-" + k, text: label }), inputs[k]);
        }
        const confirmArea = el("div");
        const next = el("button", { type: "button", id: "correct-next", text: "Continue" });
        form.append(next, confirmArea);
        clear(slot).append(form);
        next.addEventListener("click", () => {
          const changes = {};
          for (const k of Object.keys(inputs)) {
            const v = inputs[k].value.trim();
            if (v && v !== (who[k] || "")) changes[k] = v;
          }
          if (!Object.keys(changes).length) { inputs.email.focus(); return; }
          confirmStep(confirmArea, "Correct " + role + ": " + Object.entries(changes).map(([k, v]) => k + " → " + v).join(", ") +
            "? Their earlier links stop working.", "correct-confirm", "Yes, correct " + role, async () => {
            const r = await api("PATCH", "/v1/instances/" + encodeURIComponent(id) + "/signers/" + encodeURIComponent(role), changes);
            say(role + " corrected" + (r && r.request_sent ? "; the request went to the new address." : "."));
            await showTimeline(id);
          });
        });
        inputs.email.focus();
      });
      rows.append(el("tr", { "data-role": role }, el("td", { text: role }), el("td", { text: who.name || "" }),
        el("td", { text: who.email || "" }), el("td", {}, resend, " ", correct)));
    }
    table.append(rows);
    wrap.append(table, slot);
    return wrap;
  }

  // ---- starting an envelope: a form built from the workflow's trigger

  async function chooseStartWorkflow() {
    const name = $("start-workflow").value;
    const form = $("start-form");
    clear($("start-fields"));
    $("start-result").textContent = "";
    form.hidden = true;
    if (!name) return;
    const body = await api("GET", "/v1/workflows/" + encodeURIComponent(name) + "/start-form");
    const triggers = body.triggers || [];
    if (!triggers.length) return;
    form.dataset.workflow = name;
    renderStartFields(triggers, 0);
    form.hidden = false;
  }

  // The inputs of one trigger (a chooser first when the workflow has several).
  function renderStartFields(triggers, index) {
    const form = $("start-form"), fields = clear($("start-fields"));
    const trigger = triggers[index];
    form.dataset.event = trigger.event;
    if (triggers.length > 1) {
      const pick = el("select", { id: "start-event" });
      triggers.forEach((t, i) => pick.append(el("option", { value: String(i), text: t.event })));
      pick.value = String(index);
      pick.addEventListener("change", () => renderStartFields(triggers, Number(pick.value)));
      fields.append(el("label", { for: "start-event", text: "Event" }), pick);
    }
    for (const r of trigger.roles) {
      const set = el("fieldset", { "data-role-path": r.path }, el("legend", { text: r.role }));
      const labels = { name: ["Name", "text"], email: ["Email", "email"], phone: ["Phone", "tel"] };
      for (const k of r.fields || ["name", "email", "phone"]) {
        const [label, type] = labels[k] || [k, "text"];
        const id = "start-" + r.role + "-" + k.replace(/[^A-Za-z0-9_]/g, "-");
        set.append(el("label", { for: id, text: label }),
          el("input", { id, type, "data-path": r.path + "." + k, autocomplete: "off", required: k === "email" }));
      }
      fields.append(set);
    }
    for (const f of trigger.fields) {
      const id = "start-field-" + f.path.replace(/[^A-Za-z0-9_]/g, "-");
      const input = f.type === "boolean"
        ? el("input", { id, type: "checkbox", "data-path": f.path, "data-type": "boolean" })
        : el("input", { id, type: f.type === "number" ? "number" : "text", "data-path": f.path, "data-type": f.type,
                        autocomplete: "off" });
      fields.append(el("div", { className: "field" }, el("label", { for: id, text: f.path }), input));
    }
    clear($("start-confirm-area"));
  }

  function setPath(target, path, value) {
    const parts = path.split(".");
    let o = target;
    for (let i = 0; i < parts.length - 1; ++i) {
      if (typeof o[parts[i]] !== "object" || o[parts[i]] === null) o[parts[i]] = {};
      o = o[parts[i]];
    }
    o[parts[parts.length - 1]] = value;
  }

  // The event is posted as the API would take it: every workflow with a
  // trigger for it starts, and envelopes waiting for it move on. The
  // confirmation says so before anything happens.
  function startEnvelope(event) {
    event.preventDefault();
    const form = $("start-form");
    const data = {};
    for (const input of form.querySelectorAll("input[data-path]")) {
      const type = input.dataset.type;
      if (type === "boolean") setPath(data, input.dataset.path, input.checked);
      else if (input.value.trim() === "") continue;
      else if (type === "number") setPath(data, input.dataset.path, Number(input.value));
      else setPath(data, input.dataset.path, input.value.trim());
    }
    const ev = form.dataset.event;
    confirmStep($("start-confirm-area"), "Post the event " + ev + "? It starts " + form.dataset.workflow +
      " and every other workflow that starts on " + ev + ", and moves the envelopes waiting for it.",
      "start-confirm", "Yes, post " + ev, async () => {
        const r = await api("POST", "/v1/events/" + encodeURIComponent(ev), data);
        const started = (r && r.started) || [], refused = (r && r.refused) || [], moved = (r && r.correlated) || [];
        const result = clear($("start-result"));
        for (const s of started) {
          const open = el("button", { type: "button", className: "link", "data-timeline": s.id, text: "envelope " + s.id });
          open.addEventListener("click", () => showTimeline(s.id));
          result.append("Started ", open, " (" + s.workflow + "). ");
        }
        for (const m of moved) result.append("Moved envelope " + m.id + " (" + m.workflow + ") on. ");
        for (const x of refused) result.append(el("span", { className: "error", role: "alert", text: x.workflow + ": " + x.reason + " " }));
        if (!started.length && !refused.length && !moved.length) result.append("Nothing started: the event matched no trigger.");
        clear($("start-confirm-area"));
      });
  }

  // ---- rules

  async function loadRules() {
    const body = await api("GET", "/v1/rules");
    const files = body.files || [];
    const failed = files.filter((f) => f.status !== "loaded").length;
    $("rules-summary").textContent = files.length + " rule files: " + (files.length - failed) + " loaded, " +
      failed + " failed (reload " + body.generation + ").";
    const list = clear($("rules-list"));
    const workflows = new Set();
    for (const f of files) {
      if (f.workflow) workflows.add(f.workflow);
      const card = el("article", { className: "rule " + f.status, "data-rule": f.path, "data-status": f.status },
        el("h3", {}, el("span", { className: "badge " + (f.status === "loaded" ? "finished" : "failed"), text: f.status }),
          " ", f.path),
        el("p", { className: "meta", text: (f.workflow ? "workflow " + f.workflow : "no workflow") +
          (f.version ? " · version " + f.version.slice(0, 12) : "") +
          (f.loaded_at ? " · loaded " + when(f.loaded_at) : "") +
          (f.serving_previous_version ? " · the previous version keeps serving" : "") }));
      if (f.diagnostics) {
        card.append(el("pre", { className: "diagnostics", tabindex: 0, "aria-label": "Diagnostics of " + f.path,
          text: f.diagnostics }));
      }
      list.append(card);
    }
    if (!files.length) list.append(el("p", { text: "The rules folder holds no rule files." }));
    const select = $("filter-workflow"), chosen = select.value;
    clear(select).append(el("option", { value: "", text: "all" }));
    for (const w of [...workflows].sort()) select.append(el("option", { value: w, text: w }));
    select.value = workflows.has(chosen) ? chosen : "";
    const start = $("start-workflow"), starting = start.value;
    clear(start).append(el("option", { value: "", text: "choose…" }));
    for (const w of [...workflows].sort()) start.append(el("option", { value: w, text: w }));
    start.value = workflows.has(starting) ? starting : "";
  }

  // ---- deliveries

  async function loadDeliveries() {
    const [dead, pending] = await Promise.all([
      api("GET", "/v1/deliveries?status=dead&limit=200"),
      api("GET", "/v1/deliveries?status=pending&limit=200"),
    ]);
    const deadRows = clear($("deliveries-dead").tBodies[0]);
    for (const d of dead.deliveries) {
      const retry = el("button", { type: "button", "data-retry": d.key, "aria-label": "Retry delivery " + d.key,
        text: "Retry" });
      retry.addEventListener("click", () => retryDelivery(d.key, retry));
      deadRows.append(el("tr", { "data-delivery": d.key, "data-status": "dead" },
        el("td", {}, el("code", { text: d.key })), el("td", { text: String(d.instance) }),
        el("td", { text: d.kind }), el("td", { text: d.target }), el("td", { text: String(d.attempts) }),
        el("td", { className: "wrap", text: d.last_error || "" }), el("td", {}, retry)));
    }
    if (!dead.deliveries.length) deadRows.append(el("tr", {}, el("td", { colspan: 7, text: "No dead letters." })));
    const pendingRows = clear($("deliveries-pending").tBodies[0]);
    for (const d of pending.deliveries) {
      pendingRows.append(el("tr", { "data-delivery": d.key, "data-status": "pending" },
        el("td", {}, el("code", { text: d.key })), el("td", { text: String(d.instance) }),
        el("td", { text: d.kind }), el("td", { text: d.target }), el("td", { text: String(d.attempts) }),
        el("td", { text: when(d.next_attempt_at) }), el("td", { className: "wrap", text: d.last_error || "" })));
    }
    if (!pending.deliveries.length) {
      pendingRows.append(el("tr", {}, el("td", { colspan: 7, text: "Nothing waiting." })));
    }
  }

  async function retryDelivery(key, button) {
    button.disabled = true;
    await guarded(null, async () => {
      const r = await api("POST", "/v1/deliveries/" + encodeURIComponent(key) + "/retry");
      say("Delivery " + key + " is " + r.status + " again (to " + r.target + ").");
      await loadDeliveries();
    });
    button.disabled = false;
  }

  // ---- quotas

  async function loadQuotas() {
    const body = await api("GET", "/v1/quotas");
    const list = clear($("quota-list"));
    if (!body.quotas.length) {
      list.append(el("p", { text: "No loaded workflow declares a quota." }));
      return;
    }
    for (const q of body.quotas) {
      const name = q.limit + " envelopes per " + q.period + (q.key ? " per " + q.key : "");
      const card = el("article", { className: "quota", "data-quota": q.workflow },
        el("h3", { text: q.workflow + ": " + name }),
        el("p", { className: "meta", text: "This " + q.period + " began " + when(q.period_start) + "; it resets at " +
          when(q.resets_at) + " (UTC)." }));
      const meter = (used, label) => {
        const id = "quota-" + q.workflow + "-" + (label || "all").replace(/[^A-Za-z0-9_-]/g, "_");
        const bar = el("progress", { id, max: q.limit, value: Math.min(used, q.limit) });
        return el("div", { className: "meter" + (used >= q.limit ? " full" : "") },
          el("label", { for: id, text: (label ? label + ": " : "") + used + " of " + q.limit + " used" }), bar);
      };
      if (!q.key) card.append(meter(q.used));
      else if (!q.keys.length) card.append(el("p", { text: "No key has started an envelope this " + q.period + " since the daemon started." }));
      else for (const k of q.keys.slice(0, 10)) card.append(meter(k.used, k.key));
      list.append(card);
    }
  }

  // ---- daemons (GET /v1/cluster)

  async function loadCluster() {
    const body = await api("GET", "/v1/cluster");
    const warnings = clear($("cluster-warnings"));
    for (const w of body.warnings) warnings.append(el("li", { className: "warning", text: w }));
    const rows = clear($("cluster-rows"));
    for (const m of body.members) {
      const versions = Object.entries(m.rules).map(([name, v]) => name + " " + v.slice(0, 12)).join(", ");
      rows.append(el("tr", { "data-member": m.id, className: m.up ? "" : "gone" },
        el("td", { text: m.id }),
        el("td", { text: m.address }),
        el("td", { text: m.role + (m.up ? "" : " (not heard from)") }),
        el("td", { text: seconds(Math.round(m.seen_ms_ago / 1000)) + " ago" }),
        el("td", { text: m.lease_left_ms === undefined ? "" : seconds(Math.max(0, Math.round(m.lease_left_ms / 1000))) }),
        el("td", { text: versions || "none" })));
    }
  }

  // ---- analytics: charts as inline SVG

  // A horizontal bar chart: rows of {label, value, text}; value in [0, max].
  function barChart(title, rows, max) {
    const rowH = 28, labelW = 150, barW = 220, width = labelW + barW + 90;
    const height = rows.length * rowH + 8;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", role: "img",
      "aria-label": title + ": " + rows.map((r) => r.label + " " + r.text).join(", "), class: "chart" });
    chart.append(svg("title", { text: title }));
    rows.forEach((r, i) => {
      const y = i * rowH + 4;
      const w = max > 0 ? Math.max(0, Math.min(1, r.value / max)) * barW : 0;
      chart.append(svg("text", { x: labelW - 8, y: y + 17, "text-anchor": "end", class: "chart-label", text: r.label }));
      chart.append(svg("rect", { x: labelW, y: y + 3, width: barW, height: 18, class: "chart-track" }));
      chart.append(svg("rect", { x: labelW, y: y + 3, width: w.toFixed(1), height: 18, class: "chart-bar" + (r.kind ? " " + r.kind : "") }));
      chart.append(svg("text", { x: labelW + barW + 8, y: y + 17, class: "chart-value", text: r.text }));
    });
    return chart;
  }

  // The completion rate as a ring.
  function ring(rate, label) {
    const r = 40, c = 2 * Math.PI * r;
    const chart = svg("svg", { viewBox: "0 0 120 120", width: 120, height: 120, role: "img",
      "aria-label": label + ": " + percent(rate), class: "chart ring" });
    chart.append(svg("title", { text: label }));
    chart.append(svg("circle", { cx: 60, cy: 60, r, class: "chart-track", "stroke-width": 14, fill: "none" }));
    chart.append(svg("circle", { cx: 60, cy: 60, r, class: "chart-arc", "stroke-width": 14, fill: "none",
      "stroke-dasharray": (c * (rate || 0)).toFixed(2) + " " + c.toFixed(2), transform: "rotate(-90 60 60)" }));
    chart.append(svg("text", { x: 60, y: 66, "text-anchor": "middle", class: "ring-text", text: percent(rate) }));
    return chart;
  }

  function analyticsGroup(name, g) {
    const card = el("article", { className: "workflow-analytics", "data-analytics": name },
      el("h3", { text: name }));
    const top = el("div", { className: "analytics-top" });
    top.append(ring(g.completion_rate, "Completion rate of " + name));
    top.append(el("dl", { className: "figures" },
      el("dt", { text: "Started" }), el("dd", { "data-figure": "started", text: String(g.started) }),
      el("dt", { text: "Completed" }), el("dd", { "data-figure": "completed", text: String(g.completed) }),
      el("dt", { text: "Declined" }), el("dd", { text: String(g.declined) }),
      el("dt", { text: "Expired" }), el("dd", { text: String(g.expired) }),
      el("dt", { text: "Running" }), el("dd", { text: String(g.running) }),
      el("dt", { text: "Time to complete" }),
      el("dd", { text: "median " + seconds(g.time_to_complete && g.time_to_complete.median_seconds) +
        ", 90 % within " + seconds(g.time_to_complete && g.time_to_complete.p90_seconds) })));
    card.append(top);

    const roles = Object.entries(g.signers || {});
    if (roles.length) {
      // Time to sign: median and p90 per role.
      const rows = [];
      let max = 0;
      for (const [role, s] of roles) {
        const t = s.time_to_sign || {};
        if (t.p90_seconds) max = Math.max(max, t.p90_seconds);
        rows.push({ label: role + " median", value: t.median_seconds || 0, text: seconds(t.median_seconds) });
        rows.push({ label: role + " 90 %", value: t.p90_seconds || 0, text: seconds(t.p90_seconds), kind: "light" });
      }
      card.append(el("h4", { text: "Time to sign" }), barChart("Time to sign of " + name, rows, max));

      // The funnel by step: each role's requests sent → viewed → signed.
      const funnel = [];
      for (const [role, s] of roles) {
        funnel.push({ label: role + " sent", value: s.sent, text: String(s.sent) });
        funnel.push({ label: role + " viewed", value: s.viewed, text: String(s.viewed) });
        funnel.push({ label: role + " signed", value: s.signed, text: String(s.signed), kind: "good" });
      }
      card.append(el("h4", { text: "Funnel by step" }), barChart("Funnel of " + name, funnel, g.started));
    }
    if ((g.drop_off || []).length) {
      const rows = g.drop_off.map((d) => ({ label: d.state, value: d.envelopes, text: String(d.envelopes), kind: "bad" }));
      card.append(el("h4", { text: "Drop-off: where unfinished envelopes stopped" }),
        barChart("Drop-off of " + name, rows, g.started));
    }
    return card;
  }

  async function loadAnalytics() {
    const days = Number($("analytics-days").value) || 30;
    const to = new Date();
    const from = new Date(to.getTime() - days * 86400000);
    const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
    const body = await api("GET", "/v1/analytics" + query({ from: iso(from), to: iso(to) }));
    const out = clear($("analytics-body"));
    const names = Object.keys(body.workflows || {}).sort();
    out.append(el("p", { className: "meta", text: "Envelopes started " + when(body.from) + " – " + when(body.to) + " (UTC)." }));
    if (!names.length) out.append(el("p", { text: "No envelope started in this period." }));
    for (const n of names) out.append(analyticsGroup(n, body.workflows[n].all || body.workflows[n]));
  }

  // ---- wiring

  async function loadAll() {
    say("Loading…");
    await guarded("rules-list", loadRules);
    if ($("dashboard").hidden) return;  // signed out by a 401
    await Promise.all([
      guarded("envelope-rows", loadEnvelopePage),
      guarded("status-counts", loadCounts),
      guarded("deliveries-dead", loadDeliveries),
      guarded("quota-list", loadQuotas),
      guarded("analytics-body", loadAnalytics),
      guarded("cluster-rows", loadCluster),
    ]);
    if (!$("dashboard").hidden) say("Updated " + new Date().toLocaleTimeString() + ".");
  }

  function signedIn() {
    $("login-section").hidden = true;
    $("dashboard").hidden = false;
    $("session-actions").hidden = false;
    $("login-error").textContent = "";
  }

  async function login(event) {
    event.preventDefault();
    const key = $("api-key").value.trim();
    if (!key) {
      $("login-error").textContent = "Enter an API key.";
      $("api-key").focus();
      return;
    }
    sessionStorage.setItem(KEY, key);
    $("login-submit").disabled = true;
    try {
      await api("GET", "/v1/rules");  // checks the key (it needs the admin scope)
      signedIn();
      await loadAll();
    } catch (e) {
      signedOut(e.message);
    } finally {
      $("login-submit").disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login").addEventListener("submit", login);
    $("logout").addEventListener("click", () => { signedOut(""); say("Signed out."); });
    $("refresh").addEventListener("click", loadAll);
    $("envelope-filter").addEventListener("submit", (e) => { e.preventDefault(); applyFilter(); });
    $("envelopes-next").addEventListener("click", () => { ++envelopes.page; guarded("envelope-rows", loadEnvelopePage); });
    $("envelopes-prev").addEventListener("click", () => {
      envelopes.page = Math.max(0, envelopes.page - 1);
      guarded("envelope-rows", loadEnvelopePage);
    });
    $("timeline-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = $("timeline-id").value.trim();
      if (/^[1-9][0-9]*$/.test(id)) showTimeline(id);
      else clear($("timeline-body")).append(el("p", { className: "error", role: "alert", text: "An envelope id is a positive number." }));
    });
    $("analytics-form").addEventListener("submit", (e) => { e.preventDefault(); guarded("analytics-body", loadAnalytics); });
    $("start-workflow").addEventListener("change", () => guarded("start-result", chooseStartWorkflow));
    $("start-form").addEventListener("submit", startEnvelope);
    if (sessionStorage.getItem(KEY)) {
      signedIn();
      loadAll();
    } else {
      $("api-key").focus();
    }
  });
})();
