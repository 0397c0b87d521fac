// forge view: one page, routed by the URL's hash. Every text from a log reaches the page through textContent (never as HTML);
// the server has already escaped control characters and undecodable bytes.
"use strict";

const app = document.getElementById("app");

// ── small helpers ─────────────────────────────────────────────────────────────────────────────
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}
const num = (v, digits = 3) => v === null || v === undefined ? "" : Number.isInteger(v) ? String(v) : Number(v).toFixed(digits).replace(/\.?0+$/, "");
const pct = v => `${(v * 100).toFixed(0)}%`;
const ms = v => `${num(v, 2)} ms`;
const link = (hash, text, attrs) => el("a", { href: hash, ...attrs }, text);
function hashFor(page, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  return `#/${page}?${q}`;
}
async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}
const post = path => api(path, { method: "POST", headers: { "X-Forge-Viewer": "1" } });
const banner = (kind, text, testid) => el("div", { class: `banner ${kind}`, "data-testid": testid }, text);
function table(headers, rows, attrs) {
  return el("table", attrs || {}, el("thead", {}, el("tr", {}, headers.map(h => h instanceof Node ? h : el("th", { text: h })))), el("tbody", {}, rows));
}
function corruptList(corrupt) {
  if (!corrupt || corrupt.length === 0) return null;
  return el("div", { class: "banner warn", "data-testid": "damaged" },
    el("strong", { text: `${corrupt.length} damaged stretch(es) skipped; everything else is browsable:` }),
    el("ul", {}, corrupt.map(c => el("li", { text: `${c.atEndOfFile ? "torn tail" : "damaged record"} at offset ${c.offset}: ${c.reason} (${c.length} bytes)` }))));
}

// ── router ──────────────────────────────────────────────────────────────────────────────────────
const routes = { "": runsPage, episodes: episodesPage, episode: episodePage, compare: comparePage, training: trainingPage };
async function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [page, query] = hash.split("?");
  const params = Object.fromEntries(new URLSearchParams(query || ""));
  const render = routes[page] || runsPage;
  app.replaceChildren(el("p", { class: "muted", text: "Loading…" }));
  try {
    app.replaceChildren(...[await render(params)].flat().filter(n => n !== null && n !== undefined && n !== ""));
  } catch (e) {
    app.replaceChildren(banner("error", e.message, "error"));
  }
  app.setAttribute("data-page", page || "runs");
}
window.addEventListener("hashchange", route);
route();

// ── runs ────────────────────────────────────────────────────────────────────────────────────────
async function runsPage() {
  const data = await api("/api/runs");
  document.getElementById("root").textContent = data.root;
  const out = [el("h1", { text: "Runs" })];
  if (data.runs.length === 0) out.push(banner("warn", `No trajectory logs or training runs under ${data.root}.`, "no-runs"));
  for (const run of data.runs) {
    const card = el("section", { class: "card", "data-testid": "run", "data-run": run.id },
      el("h2", {}, run.scenario, " ", el("span", { class: "muted", text: `(${run.id})` })));
    if (run.training) card.append(el("p", {}, link(hashFor("training", { run: run.id }), "Training curves and checkpoints →", { "data-testid": "training-link" })));
    for (const log of run.logs) {
      const head = el("h3", {}, link(hashFor("episodes", { log: log.id }), log.id, { "data-testid": "log-link" }));
      card.append(head);
      if (log.error) { card.append(banner("error", log.error, "log-error")); continue; }
      card.append(el("p", { class: "muted" },
        `${log.episodes} episodes · format ${log.formatVersion} · agents: ${log.agents.join(", ") || "(none)"}`,
        log.policyVersions.length ? ` · policy versions ${log.policyVersions[0]}–${log.policyVersions[log.policyVersions.length - 1]}` : "",
        ` · opened in ${ms(log.openMilliseconds)}`, log.indexNote ? ` (${log.indexNote})` : ""));
      card.append(corruptList(log.corrupt) || "");
      card.append(table(["Environment", "Episodes", "Success", "Mean reward"], log.environments.map(e =>
        el("tr", {}, el("td", {}, link(hashFor("episodes", { log: log.id, env: e.environment }), e.environment)),
          el("td", { class: "num", text: e.episodes }), el("td", { class: "num", text: pct(e.successRate) }), el("td", { class: "num", text: num(e.meanReward) }))),
        { "data-testid": "env-table" }));
    }
    out.push(card);
  }
  return out;
}

// ── episodes ────────────────────────────────────────────────────────────────────────────────────
const filterNames = ["env", "task", "agent", "policy", "min_reward", "max_reward", "success", "termination", "errors", "tool_errors"];
const selected = new Set();
async function episodesPage(params) {
  const query = new URLSearchParams(params);
  const data = await api(`/api/episodes?${query}`);
  const log = data.log;
  const out = [el("h1", {}, "Episodes of ", el("code", { text: log.id }))];
  if (log.error) return [...out, banner("error", log.error, "log-error")];
  out.push(corruptList(log.corrupt) || "");

  const select = (name, label, values, display = v => v) => el("label", {}, label,
    el("select", { name, "data-testid": `filter-${name}` }, el("option", { value: "", text: "any" }),
      values.map(v => el("option", { value: String(v), text: display(v), selected: String(v) === params[name] }))));
  const input = (name, label, attrs) => el("label", {}, label, el("input", { name, value: params[name] || "", "data-testid": `filter-${name}`, ...attrs }));
  const form = el("form", { class: "filters", "data-testid": "filters", onsubmit: e => {
      e.preventDefault();
      const next = { log: log.id, sort: params.sort, desc: params.desc };
      for (const name of filterNames) next[name] = form.elements[name].value.trim();
      location.hash = hashFor("episodes", next);
    } },
    select("env", "Environment", data.facets.environments),
    input("task", "Task contains", { size: 12 }),
    select("agent", "Agent", data.facets.agents),
    select("policy", "Policy version", ["none", ...data.facets.policies]),
    input("min_reward", "Reward ≥", { size: 5, inputmode: "decimal" }),
    input("max_reward", "Reward ≤", { size: 5, inputmode: "decimal" }),
    select("success", "Success", ["yes", "no"]),
    select("termination", "Termination", data.facets.terminations),
    select("errors", "Errors", ["any", "none", ...data.facets.boundaries], v => v === "any" ? "with an error" : v === "none" ? "without" : v),
    select("tool_errors", "Tool errors", ["yes", "no"]),
    el("button", { class: "primary", type: "submit", "data-testid": "apply" }, "Apply"),
    el("a", { href: hashFor("episodes", { log: log.id }) }, "clear"));
  out.push(form);
  out.push(el("p", { class: "muted", "data-testid": "matched" },
    `${data.matched} of ${data.total} episodes match · filtered in ${ms(data.milliseconds)}`));

  const columns = [["ordinal", "#"], ["episode", "Episode"], ["environment", "Environment"], ["task", "Task"], ["agent", "Agent"], ["policy", "Policy"],
    ["reward", "Reward"], ["success", "Success"], ["termination", "Termination"], ["steps", "Steps"], ["tool_errors", "Tool errors"], ["duration", "Duration"]];
  const sort = params.sort || "ordinal", desc = params.desc === "yes";
  const headers = [el("th", { text: "Compare" }), ...columns.map(([key, label]) => el("th", {
    class: `sortable${key === sort ? (desc ? " sorted-desc" : " sorted-asc") : ""}`, "data-sort": key,
    onclick: () => { location.hash = hashFor("episodes", { ...params, sort: key, desc: key === sort && !desc ? "yes" : "", page: "" }); } }, label))];
  const compareButton = el("button", { "data-testid": "compare", disabled: selected.size !== 2, onclick: () => {
    const [a, b] = [...selected].map(s => s.split("|"));
    location.hash = hashFor("compare", { a: a[0], an: a[1], b: b[0], bn: b[1] });
  } }, "Compare the two selected");
  const rows = data.rows.map(e => {
    const key = `${log.id}|${e.ordinal}`;
    const box = el("input", { type: "checkbox", checked: selected.has(key), "aria-label": `select episode ${e.ordinal}`, onchange: () => {
      if (box.checked) selected.add(key); else selected.delete(key);
      row.classList.toggle("selected", box.checked);
      compareButton.disabled = selected.size !== 2;
    } });
    const row = el("tr", { "data-testid": "episode-row", class: selected.has(key) ? "selected" : "" },
      el("td", {}, box),
      el("td", { class: "num" }, link(hashFor("episode", { log: log.id, n: e.ordinal }), String(e.ordinal))),
      el("td", {}, link(hashFor("episode", { log: log.id, n: e.ordinal }), e.episodeId, { "data-testid": "episode-link" })),
      el("td", { text: e.environmentId }), el("td", { text: e.taskId }), el("td", { text: e.agentId }), el("td", { class: "num", text: e.policyVersion ?? "" }),
      el("td", { class: "num", text: num(e.totalReward) }), el("td", { text: e.success ? "yes" : "no" }),
      el("td", {}, e.termination, e.truncationReason ? ` (${e.truncationReason})` : "", e.errorBoundary ? el("span", { class: "flag", text: `${e.errorBoundary}: ${e.errorType}` }) : ""),
      el("td", { class: "num", text: e.steps }), el("td", { class: "num", text: e.toolErrors || "" }), el("td", { class: "num", text: ms(e.durationMs) }));
    return row;
  });
  out.push(el("div", { class: "pager" }, compareButton, el("span", { class: "muted", text: `${selected.size} selected` })));
  out.push(table(headers, rows, { "data-testid": "episodes" }));
  const pages = Math.max(1, Math.ceil(data.matched / data.size));
  out.push(el("div", { class: "pager", "data-testid": "pager" },
    el("button", { disabled: data.page === 0, onclick: () => { location.hash = hashFor("episodes", { ...params, page: data.page - 1 }); } }, "← previous"),
    el("span", { text: `page ${data.page + 1} of ${pages}` }),
    el("button", { disabled: data.page + 1 >= pages, "data-testid": "next-page", onclick: () => { location.hash = hashFor("episodes", { ...params, page: data.page + 1 }); } }, "next →")));
  return out;
}

// ── one episode ─────────────────────────────────────────────────────────────────────────────────
function tokenColour(logProb) {
  if (logProb === null || logProb === undefined) return "#eef1f6";
  const p = Math.exp(Math.max(-20, Math.min(0, logProb)));
  return `hsl(${Math.round(120 * p)}, 75%, 82%)`;
}
function message(m) {
  const box = el("div", { class: `msg ${m.role}${m.isError ? " error" : ""}${m.malformed ? " malformed" : ""}`, "data-testid": `msg-${m.role}` },
    el("div", { class: "who" }, m.role === "tool" ? `tool ${m.name ?? ""} (${m.toolCallId ?? ""})` : m.role,
      m.isError ? el("span", { class: "flag", "data-testid": "tool-error", text: "ERROR" }) : "",
      m.malformed ? el("span", { class: "flag", text: "MALFORMED" }) : "",
      m.escaped ? el("span", { class: "flag info", "data-testid": "escaped", text: "control or undecodable characters shown escaped" }) : "",
      m.policyVersion !== null && m.policyVersion !== undefined ? el("span", { class: "flag info", text: `policy v${m.policyVersion}` }) : ""));
  if (m.content) box.append(el("pre", { text: m.content }));
  for (const c of m.toolCalls) box.append(el("div", { class: "call", "data-testid": "tool-call" }, "→ ", el("strong", { text: c.name }), " ", c.arguments, el("span", { class: "muted", text: `  (id ${c.id})` })));
  if (m.tokens) {
    const withLp = m.tokens.filter(t => t.logProb !== null);
    const mean = withLp.length ? withLp.reduce((s, t) => s + t.logProb, 0) / withLp.length : null;
    box.append(el("div", { class: "muted", text: `${m.tokens.length} tokens${mean !== null ? `, mean log-prob ${num(mean)}` : ""}${m.reasoningTokens ? `, ${m.reasoningTokens} reasoning` : ""} (colour: probability, red low → green high)` }));
    box.append(el("div", { class: "tokens", "data-testid": "tokens" }, m.tokens.map(t =>
      el("span", { class: "tok", style: `background:${tokenColour(t.logProb)}`, title: `token ${t.id}${t.logProb !== null ? ` · log-prob ${num(t.logProb, 4)} · p ${num(Math.exp(t.logProb), 4)}` : ""}` }, String(t.id)))));
  }
  return box;
}
function kv(pairs, attrs) {
  return el("table", { class: "kv", ...(attrs || {}) }, el("tbody", {}, pairs.filter(p => p).map(([k, v]) => el("tr", {}, el("td", { text: k }), el("td", {}, v instanceof Node ? v : String(v ?? ""))))));
}
function provenance(fields) {
  const keys = Object.keys(fields || {});
  if (keys.length === 0) return el("p", { class: "muted", "data-testid": "provenance", text: "No provenance recorded with this episode." });
  return kv(keys.map(k => [k, el("pre", { class: "text", text: typeof fields[k] === "string" ? fields[k] : JSON.stringify(fields[k], null, 1) })]), { "data-testid": "provenance" });
}
function conversation(e, divergedStep) {
  const out = [el("h2", { text: "Conversation" }), ...e.prompt.map(message)];
  for (const s of e.steps) {
    out.push(el("div", { class: `step${divergedStep === s.index ? " diverged" : ""}`, "data-testid": "step", "data-step": s.index },
      el("div", { class: "head", text: `turn ${s.index} · agent ${ms(s.agentMs)} · environment ${ms(s.environmentMs)} · reward ${num(s.reward)}` }),
      message(s.action), s.observation.map(message),
      Object.keys(s.info).length ? el("div", { class: "muted", text: `info: ${Object.entries(s.info).map(([k, v]) => `${k}=${v}`).join(", ")}` }) : ""));
  }
  return out;
}
function outcome(e) {
  const s = e.summary;
  const out = [el("h2", { text: "Outcome" })];
  if (e.scores) out.push(table(["Reward function", "Score"], [...Object.entries(e.scores).map(([k, v]) => el("tr", {}, el("td", { text: k }), el("td", { class: "num", text: num(v) }))),
    el("tr", {}, el("th", { text: "total" }), el("th", { class: "num", text: num(e.breakdownTotal) }))], { "data-testid": "breakdown" }));
  else out.push(el("p", { class: "muted", text: "Not scored (no reward breakdown)." }));
  out.push(kv([["success", s.success ? "yes" : "no"], ["termination", `${s.termination}${s.truncationReason ? ` (${s.truncationReason})` : ""}`],
    ["total reward", num(s.totalReward)], e.rewardMode ? ["reward mode", e.rewardMode] : null,
    ["tool errors", s.toolErrors], ["malformed messages", s.malformed], ["assistant tokens", s.assistantTokens]], { "data-testid": "outcome" }));
  if (e.error) out.push(banner("error", e.error, "episode-error"));
  return out;
}
function header(e) {
  const s = e.summary;
  return kv([s.parentEpisodeId ? ["parent", `${s.parentEpisodeId} (forked after ${s.forkStep} step(s))`] : null, ["environment", `${s.environmentId} v${s.environmentVersion}`], ["task", s.taskId], ["seed", s.seed],
    ["agent", `${s.agentId || "(none)"}${s.policyVersion !== null && s.policyVersion !== undefined ? ` (policy v${s.policyVersion})` : ""}`],
    s.runId ? ["run", s.runId] : null, s.groupId ? ["group", s.groupId] : null,
    ["started", s.startedAt], ["duration", ms(s.durationMs)], ["steps", s.steps],
    ["tools", e.tools.map(t => t.name).join(", ") || "(none)"]], { "data-testid": "episode-header" });
}
let notice = null;   // what an action did, shown on the episode page it opened
function recordedLink(r, text) { return link(hashFor("episode", { log: r.log, n: r.ordinal }), text || `${r.episodeId} (${r.log} #${r.ordinal})`); }
async function episodePage(params) {
  const data = await api(`/api/episode?log=${encodeURIComponent(params.log)}&n=${params.n}`);
  const e = data.episode, s = e.summary;
  const result = el("div", { "data-testid": "action-result" });
  if (notice) { result.append(...notice); notice = null; }
  const busy = text => result.replaceChildren(el("p", { class: "muted", text }));
  const rerun = el("button", { "data-testid": "rerun", onclick: async () => {
    busy("Re-running…");
    try {
      const r = await post(`/api/rerun?log=${encodeURIComponent(params.log)}&n=${params.n}`);
      const original = { log: params.log, n: params.n };
      notice = [r.reproduced
          ? banner("ok", `Rerun of ${r.episodeId} against ${r.environment}: ${r.stepsReplayed} step(s) matched; no divergence.`, "rerun-ok")
          : banner("error", `Rerun of ${r.episodeId} against ${r.environment} diverged at ${r.divergence.step === null ? "reset" : `step ${r.divergence.step}`}: ${r.divergence.what}. Recorded: ${r.divergence.left} · now: ${r.divergence.right}`, "rerun-diverged"),
        ...r.changes.map(c => el("p", { class: "muted", text: `changed since recording: ${c}` })),
        ...r.notes.map(n => el("p", { class: "muted", text: `note: ${n}` })),
        el("p", {}, "This is the rerun, recorded in ", el("code", { text: r.recorded.log }), ". ",
          link(hashFor("episode", { log: original.log, n: original.n }), "original"), " · ",
          link(hashFor("compare", { a: original.log, an: original.n, b: r.recorded.log, bn: r.recorded.ordinal }), "compare with the original"))];
      location.hash = hashFor("episode", { log: r.recorded.log, n: r.recorded.ordinal });
    } catch (err) { result.replaceChildren(banner("error", err.message, "action-error")); }
  } }, "Rerun");
  const forkStep = el("select", { "data-testid": "fork-step", "aria-label": "fork after this many steps" },
    Array.from({ length: s.steps + 1 }, (_, k) => el("option", { value: k, text: `after ${k} step(s)`, selected: k === Math.min(1, s.steps) })));
  const forkAgent = el("input", { value: "noisy:0.3", size: 14, "data-testid": "fork-agent", "aria-label": "agent to continue with", title: "scripted, noisy[:RATE], policy:CHECKPOINT_DIR or semantic-kernel:MODEL@URL" });
  const forkSamples = el("input", { value: "2", size: 2, type: "number", min: 1, max: 16, "data-testid": "fork-samples", "aria-label": "branches" });
  const fork = el("button", { "data-testid": "fork", onclick: async () => {
    busy("Forking…");
    try {
      const f = await post(`/api/fork?log=${encodeURIComponent(params.log)}&n=${params.n}&step=${forkStep.value}&agent=${encodeURIComponent(forkAgent.value)}&samples=${forkSamples.value}`);
      notice = [banner(f.branches.every(b => !b.prefixDivergence) ? "ok" : "error",
          `Forked ${f.parentEpisodeId} after ${f.forkStep} step(s) with ${f.agent}: ${f.branches.length} branch(es)` +
          (f.branches.every(b => !b.prefixDivergence) ? ", the parent's state restored in each." : "; some did not restore the parent's state."), "fork-done"),
        ...f.changes.map(c => el("p", { class: "muted", text: `changed since recording: ${c}` })),
        el("ul", { "data-testid": "fork-branches" }, f.branches.map(b => el("li", {}, recordedLink(b.recorded),
          ` · reward ${num(b.totalReward)} · ${b.steps} steps · ${b.termination}`,
          b.prefixDivergence ? el("span", { class: "flag", text: `diverged at ${b.prefixDivergence.step ?? "reset"}: ${b.prefixDivergence.what}` }) : "",
          " · ", link(hashFor("compare", { a: params.log, an: params.n, b: b.recorded.log, bn: b.recorded.ordinal }), "compare with the parent"))))];
      location.hash = hashFor("episode", { log: f.branches[0].recorded.log, n: f.branches[0].recorded.ordinal });
    } catch (err) { result.replaceChildren(banner("error", err.message, "action-error")); }
  } }, "Fork");
  const other = el("input", { size: 6, placeholder: "#", "aria-label": "episode number to compare with", "data-testid": "compare-with" });
  const compare = el("button", { onclick: () => { if (other.value !== "") location.hash = hashFor("compare", { a: params.log, an: params.n, b: params.log, bn: other.value }); } }, "Compare with #");
  const parent = s.parentEpisodeId ? el("p", { "data-testid": "parent" }, "Forked from ",
      data.parent ? link(hashFor("episode", { log: data.parent.log, n: data.parent.n }), s.parentEpisodeId) : el("code", { text: s.parentEpisodeId }),
      ` after its first ${s.forkStep} step(s)`,
      data.parent ? [" · ", link(hashFor("compare", { a: data.parent.log, an: data.parent.n, b: params.log, bn: params.n }), "compare with the parent")] : " (parent not under this path)")
    : null;
  return [
    el("h1", {}, "Episode ", el("code", { text: s.episodeId }), el("span", { class: "muted", text: ` #${s.ordinal} of ${e.log}` })),
    el("div", { class: "pager" }, link(hashFor("episodes", { log: e.log }), "← episodes"),
      s.ordinal > 0 ? link(hashFor("episode", { log: e.log, n: s.ordinal - 1 }), "previous") : "", link(hashFor("episode", { log: e.log, n: s.ordinal + 1 }), "next"),
      rerun, el("span", { class: "muted", text: "·" }), fork, forkStep, forkAgent, forkSamples, el("span", { class: "muted", text: "branches ·" }), other, compare),
    result,
    parent,
    header(e),
    ...conversation(e, null),
    ...outcome(e),
    el("h2", { text: "Provenance and other recorded fields" }), provenance(e.provenance),
  ];
}

// ── compare ─────────────────────────────────────────────────────────────────────────────────────
async function comparePage(params) {
  const data = await api(`/api/compare?a=${encodeURIComponent(params.a)}&an=${params.an}&b=${encodeURIComponent(params.b)}&bn=${params.bn}`);
  const d = data.divergence;
  const where = d ? `${d.step === null ? "reset" : `step ${d.step}`}: ${d.what}` : null;
  const side = (e, label) => el("div", { "data-testid": `side-${label}` },
    el("h2", {}, link(hashFor("episode", { log: e.log, n: e.summary.ordinal }), `${e.summary.episodeId}`), el("span", { class: "muted", text: ` (${e.log} #${e.summary.ordinal})` })),
    header(e), ...conversation(e, d ? d.step : null), ...outcome(e));
  return [
    el("h1", { text: "Compare two episodes" }),
    d ? el("div", { class: "banner error", "data-testid": "divergence" }, el("strong", { text: `First divergence at ${where}` }),
          el("div", { class: "grid2" }, el("pre", { class: "text", text: d.left }), el("pre", { class: "text", text: d.right })))
      : banner("ok", "The two episodes are the same, step for step.", "no-divergence"),
    el("div", { class: "grid2" }, side(data.left, "left"), side(data.right, "right")),
  ];
}

// ── training ────────────────────────────────────────────────────────────────────────────────────
const palette = ["#2457c5", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#5c940d"];
function chart(title, series) {
  const points = series.flatMap(s => s.points);
  if (points.length === 0) return null;
  const W = 440, H = 220, L = 48, R = 10, T = 12, B = 28;
  const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) x1 = x0 + 1; if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
  const X = x => L + (x - x0) / (x1 - x0) * (W - L - R), Y = y => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`); svg.setAttribute("width", W); svg.setAttribute("height", H);
  const add = (tag, attrs, text) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text !== undefined) n.textContent = text; svg.append(n); return n; };
  add("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999" }); add("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#999" });
  for (const [v, y] of [[y0, Y(y0)], [y1, Y(y1)], [(y0 + y1) / 2, Y((y0 + y1) / 2)]]) add("text", { x: L - 4, y: y + 4, "text-anchor": "end", "font-size": 10, fill: "#666" }, num(v, 3));
  for (const v of [x0, x1]) add("text", { x: X(v), y: H - B + 14, "text-anchor": "middle", "font-size": 10, fill: "#666" }, num(v, 0));
  add("text", { x: (L + W) / 2, y: H - 2, "text-anchor": "middle", "font-size": 10, fill: "#666" }, "step");
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    add("polyline", { points: s.points.map(p => `${X(p[0])},${Y(p[1])}`).join(" "), fill: "none", stroke: palette[i % palette.length], "stroke-width": 1.8, "data-series": s.name });
    for (const p of s.points) add("circle", { cx: X(p[0]), cy: Y(p[1]), r: 2, fill: palette[i % palette.length] });
  });
  return el("div", { class: "chart", "data-testid": "chart", "data-metric": title }, el("h3", { text: title }), svg,
    el("div", { class: "legend" }, series.filter(s => s.points.length).map((s, i) => el("span", { style: `color:${palette[i % palette.length]}`, text: `■ ${s.name}` }))));
}
async function trainingPage(params) {
  const t = await api(`/api/training?run=${encodeURIComponent(params.run)}`);
  const out = [el("h1", {}, "Training run ", el("code", { text: t.run }))];
  if (t.metricsError) out.push(banner("error", t.metricsError, "metrics-error"));
  if (t.metrics) {
    const col = name => t.metrics.columns.indexOf(name);
    const [phase, step] = [col("phase"), col("step")];
    const seriesOf = (name, phases) => phases.map(ph => ({ name: `${name} (${ph})`, points: t.metrics.rows
      .filter(r => r[phase] === ph && typeof r[col(name)] === "number").map(r => [r[step], r[col(name)]]) }));
    const phases = [...new Set(t.metrics.rows.map(r => r[phase]))];
    const charts = [
      chart("success rate", seriesOf("success_rate", phases)),
      chart("reward", seriesOf("reward_mean", phases)),
      chart("KL", [...seriesOf("approx_kl", ["rl"]), ...seriesOf("kl_ref", ["rl"])]),
      chart("entropy", seriesOf("entropy", ["rl"])),
      chart("clip fraction", seriesOf("clip_fraction", ["rl"])),
    ].filter(c => c);
    out.push(el("p", { class: "muted", text: `metrics.csv: ${t.metrics.rows.length} rows (${phases.join(", ")})` }));
    out.push(el("div", { class: "charts", "data-testid": "charts" }, charts));
  } else if (!t.metricsError) out.push(el("p", { class: "muted", text: "This run has no metrics.csv." }));
  out.push(el("h2", { text: "Checkpoints" }));
  out.push(t.checkpoints.length === 0 ? el("p", { class: "muted", text: "No checkpoints." }) :
    table(["Checkpoint", "Files", "Size", "Written"], t.checkpoints.map(c => el("tr", {}, el("td", { text: c.name }), el("td", { class: "num", text: c.files }),
      el("td", { class: "num", text: `${(c.bytes / 1e6).toFixed(2)} MB` }), el("td", { text: c.written }))), { "data-testid": "checkpoints" }));
  return out;
}
