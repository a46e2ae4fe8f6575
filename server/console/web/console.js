// fieldsync console: each page asks the server's JSON API (/api/...) and
// builds its tables with textContent only. Every POST carries the
// session's CSRF token in X-CSRF-Token.
"use strict";

let csrf = "";

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await res.json().catch(() => ({ error: res.statusText }));
  if (res.status === 401 && document.body.dataset.page !== "login") {
    location.href = "/login";
    throw new Error("sign in first");
  }
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

function say(text) {
  const e = document.getElementById("error");
  if (e) e.textContent = text || "";
}

// A table of `rows` (objects); `columns` picks and orders the keys.
function table(el, rows, columns, onClick) {
  el.replaceChildren();
  const cols = columns || (rows.length ? Object.keys(rows[0]) : []);
  const head = el.createTHead().insertRow();
  for (const c of cols) {
    const th = document.createElement("th");
    th.textContent = c.replace(/_/g, " ");
    head.appendChild(th);
  }
  const body = el.createTBody();
  if (!rows.length) {
    const td = body.insertRow().insertCell();
    td.colSpan = Math.max(cols.length, 1);
    td.textContent = "(none)";
  }
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of cols) {
      const td = tr.insertCell();
      const v = r[c];
      if (v instanceof Node) td.appendChild(v);
      else td.textContent = v === null || v === undefined || v === "" ? "-" : String(v);
      if (typeof v === "number") td.className = "num";
    }
    if (onClick) {
      tr.className = "clickable";
      tr.addEventListener("click", () => onClick(r));
    }
  }
}

function formData(form) {
  const out = {};
  for (const [k, v] of new FormData(form)) out[k] = v;
  return out;
}

function onSubmit(id, handler) {
  document.getElementById(id).addEventListener("submit", async (ev) => {
    ev.preventDefault();
    say("");
    try {
      await handler(ev.target);
    } catch (e) {
      say(e.message);
    }
  });
}

const pages = {
  async login() {
    onSubmit("login", async (form) => {
      await api("POST", "/api/login", formData(form));
      location.href = "/";
    });
  },

  async devices() {
    const o = await api("GET", "/api/overview");
    document.getElementById("summary").textContent =
      `${o.devices.length} devices · ${o.ops} ops in the log · ${o.open_exceptions} open exceptions`;
    const rows = o.devices.map((d) => {
      const r = { ...d, device: d.device.slice(0, 12) };
      if (!d.revoked) {
        const b = document.createElement("button");
        b.className = "small";
        b.textContent = "Revoke";
        b.addEventListener("click", async () => {
          if (!confirm(`Revoke device ${d.device}? It can no longer sync.`)) return;
          try {
            await api("POST", "/api/revoke", { device: d.device });
            pages.devices();
          } catch (e) {
            say(e.message);
          }
        });
        r.action = b;
      }
      return r;
    });
    table(document.getElementById("devices"), rows,
          ["device", "branch", "role", "person", "last_contact", "lag", "pending", "clock_offset_ms", "revoked", "action"]);
    const b = o.last_backup;
    document.getElementById("backup").textContent = b
      ? `${b.taken}: ${b.ops} ops, in ${b.backup}`
      : "none yet: run fieldsync-server --data DIR backup BACKUP";
  },

  async tokens() {
    const list = async () => table(document.getElementById("tokens"), await api("GET", "/api/tokens"));
    onSubmit("issue", async (form) => {
      const t = await api("POST", "/api/tokens", formData(form));
      document.getElementById("ticket").textContent = t.ticket;
      document.getElementById("qr").src = t.qr;
      document.getElementById("issued").hidden = false;
      await list();
    });
    await list();
  },

  async exceptions() {
    const filter = document.getElementById("filter");
    let current = null;
    const show = async (row) => {
      const v = await api("GET", "/api/exceptions/" + encodeURIComponent(row.exception));
      current = v.exception;
      document.getElementById("detail-title").textContent = `${v.exception}: ${v.kind} (${v.status})`;
      table(document.getElementById("detail-table"),
            ["subjects", "detail", "suggestion", "note"].map((k) => ({ field: k, value: v[k] })));
      document.getElementById("resolve").hidden = v.status !== "open";
      document.getElementById("detail").hidden = false;
    };
    const list = async () => {
      const f = formData(filter);
      const q = new URLSearchParams({ kind: f.kind || "", all: f.all ? "1" : "0" });
      const r = await api("GET", "/api/exceptions?" + q);
      table(document.getElementById("exceptions"), r.exceptions, null, (row) => show(row).catch((e) => say(e.message)));
    };
    filter.addEventListener("change", () => list().catch((e) => say(e.message)));
    onSubmit("resolve", async (form) => {
      const r = await api("POST", `/api/exceptions/${encodeURIComponent(current)}/resolve`, formData(form));
      say("");
      form.reset();
      await list();
      await show({ exception: r.exception });
    });
    await list();
  },

  async periods() {
    const list = async () => table(document.getElementById("periods"), await api("GET", "/api/periods"));
    onSubmit("close", async (form) => {
      await api("POST", "/api/periods", formData(form));
      form.reset();
      await list();
    });
    await list();
  },
};

document.addEventListener("DOMContentLoaded", async () => {
  const page = document.body.dataset.page;
  for (const a of document.querySelectorAll("nav a"))
    if (a.getAttribute("href") === location.pathname) a.className = "current";
  try {
    const s = await api("GET", "/api/session");
    csrf = s.csrf;
    if (!s.signed_in && page !== "login") return (location.href = "/login");
    if (s.signed_in && page === "login") return (location.href = "/");
    const out = document.getElementById("logout");
    if (out)
      out.addEventListener("click", async () => {
        await api("POST", "/api/logout", {});
        location.href = "/login";
      });
    await pages[page]();
  } catch (e) {
    say(e.message);
  }
});
