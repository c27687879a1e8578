/* Trợ lý SHTT — progressive enhancement for the server-rendered pages. No build step, no dependencies.
 * Safety rule: text from the corpus, the answer or the user only ever reaches the page through textContent
 * (or attribute values); this file never assigns innerHTML. */
(function () {
  "use strict";

  // ------------------------------------------------------------------ strings & language
  var STRINGS = { vi: {}, en: {} };
  try {
    STRINGS = JSON.parse(document.getElementById("ui-strings").textContent);
  } catch (e) { /* keep the server-rendered text */ }
  var lang = document.documentElement.lang === "en" ? "en" : "vi";
  var LANG_KEY = "ipa.lang";

  function t(key, vars) {
    var s = (STRINGS[lang] && STRINGS[lang][key]) || (STRINGS.vi && STRINGS.vi[key]) || key;
    if (vars) {
      Object.keys(vars).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    }
    return s;
  }

  function qs(sel, root) { return (root || document).querySelector(sel); }
  function qsa(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /** el("a", {class: "x", text: "…", i18n: "key", href: "…"}, child, …) — text only via textContent. */
  function el(tag, props) {
    var node = document.createElement(tag);
    var p = props || {};
    Object.keys(p).forEach(function (k) {
      var v = p[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = String(v);
      else if (k === "i18n") { node.setAttribute("data-i18n", v); node.textContent = t(v); }
      else if (k === "hidden") node.hidden = true;
      else node.setAttribute(k, v === true ? "" : String(v));
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function storeLang(next) {
    try { localStorage.setItem(LANG_KEY, next); } catch (e) { /* private mode */ }
    document.cookie = "lang=" + next + "; Path=/; Max-Age=31536000; SameSite=Lax";
  }

  function applyLang(next) {
    lang = next === "en" ? "en" : "vi";
    var other = lang === "vi" ? "en" : "vi";
    document.documentElement.lang = lang;
    qsa("[data-i18n]").forEach(function (n) {
      var args = null;
      if (n.hasAttribute("data-i18n-args")) {
        try { args = JSON.parse(n.getAttribute("data-i18n-args")); } catch (e) { args = null; }
      }
      n.textContent = t(n.getAttribute("data-i18n"), args);
    });
    qsa("[data-i18n-placeholder]").forEach(function (n) { n.setAttribute("placeholder", t(n.getAttribute("data-i18n-placeholder"))); });
    qsa("[data-i18n-aria-label]").forEach(function (n) { n.setAttribute("aria-label", t(n.getAttribute("data-i18n-aria-label"))); });
    qsa("[data-i18n-title]").forEach(function (n) { n.setAttribute("title", t(n.getAttribute("data-i18n-title"))); });
    var sw = qs("[data-testid=lang-switch]");
    if (sw) {
      var url = new URL(location.href);
      url.searchParams.set("lang", other);
      sw.setAttribute("href", url.pathname + url.search);
      sw.setAttribute("hreflang", other);
      sw.setAttribute("lang", other);
    }
    var parts = document.title.split(" · ");
    if (parts.length > 1) document.title = parts.slice(0, -1).join(" · ") + " · " + t("app_name");
  }

  function initLang() {
    var urlLang = new URLSearchParams(location.search).get("lang");
    var stored = null;
    try { stored = localStorage.getItem(LANG_KEY); } catch (e) { stored = null; }
    if (urlLang === "vi" || urlLang === "en") storeLang(urlLang);
    else if ((stored === "vi" || stored === "en") && stored !== lang) { applyLang(stored); storeLang(stored); }
    var sw = qs("[data-testid=lang-switch]");
    if (!sw) return;
    sw.addEventListener("click", function (e) {
      e.preventDefault();
      var next = lang === "vi" ? "en" : "vi";
      applyLang(next);
      storeLang(next);
      var url = new URL(location.href);
      if (url.searchParams.has("lang")) {
        url.searchParams.set("lang", next);
        history.replaceState(history.state, "", url.pathname + url.search + url.hash);
        applyLang(next); // refresh the switch's href from the new URL
      }
    });
  }

  // ------------------------------------------------------------------ shared helpers
  function sourceHref(sourceId, locator) {
    var href = "/sources/" + String(sourceId).split("/").map(encodeURIComponent).join("/");
    if (locator) href += "?loc=" + encodeURIComponent(locator) + "#cited";
    return href;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s<>"']+$/i.test(url.trim()) ? url.trim() : null;
  }

  function norm(s) {
    return String(s || "").normalize("NFC").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function startsAt(cand, key) {
    if (!key || cand.indexOf(key) !== 0) return false;
    var next = cand.charAt(key.length);
    return !next || !/[\p{L}\p{N}]/u.test(next);
  }

  /** Mirrors web.match_section: the section whose locator/heading/"trang N" starts with the cited locator,
   *  or with a shorter head of it ("Điều 93 khoản 6" → "Điều 93"), word-bounded. */
  function matchSection(sections, locator) {
    var q = norm(locator);
    if (!q) return -1;
    var words = q.split(" ");
    var cands = sections.map(function (s) {
      return [norm(s.locator), norm(s.heading), s.page ? "trang " + s.page : ""];
    });
    for (var n = words.length; n >= Math.min(2, words.length); n--) {
      var key = words.slice(0, n).join(" ").replace(/[.:,;]+$/, "");
      for (var i = 0; i < cands.length; i++) {
        if (cands[i].some(function (c) { return c && startsAt(c, key); })) return i;
      }
    }
    return -1;
  }

  function readJson(resp) {
    return resp.text().then(function (txt) {
      try { return JSON.parse(txt); } catch (e) { return {}; }
    });
  }

  function apiError(resp, body) {
    var err = new Error((body && body.detail) || (resp.status + " " + resp.statusText));
    err.status = resp.status;
    err.code = body && body.error;
    return err;
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body), credentials: "same-origin"
    }).then(function (resp) {
      return readJson(resp).then(function (j) {
        if (!resp.ok) throw apiError(resp, j);
        return j;
      });
    });
  }

  // ------------------------------------------------------------------ safe markdown
  var INLINE = /\*\*([^*\n]+?)\*\*|\[(\d{1,3})\]/g;

  function citeRef(c) {
    return el("a", {
      class: "cite-ref", href: sourceHref(c.source_id, c.locator), "data-source-id": c.source_id,
      "data-locator": c.locator || "", "data-n": c.n, title: c.title + " — " + (c.locator || ""),
      "aria-label": t("source_n", { n: c.n }) + ": " + c.title
    }, String(c.n));
  }

  function appendInline(parent, s, citeMap) {
    var last = 0, m;
    INLINE.lastIndex = 0;
    while ((m = INLINE.exec(s))) {
      if (m.index > last) parent.appendChild(document.createTextNode(s.slice(last, m.index)));
      if (m[1] !== undefined) parent.appendChild(el("strong", { text: m[1] }));
      else if (citeMap[m[2]]) parent.appendChild(citeRef(citeMap[m[2]]));
      else parent.appendChild(document.createTextNode(m[0]));
      last = INLINE.lastIndex;
    }
    if (last < s.length) parent.appendChild(document.createTextNode(s.slice(last)));
  }

  /** Mirrors web.render_answer: paragraphs, line breaks, "- " lists, **bold**, [n] → citation links. */
  function renderMarkdown(text, citations) {
    var citeMap = {};
    (citations || []).forEach(function (c) { citeMap[String(c.n)] = c; });
    var frag = document.createDocumentFragment();
    var list = null, para = null;
    String(text || "").split("\n").forEach(function (line) {
      var m = /^\s*[-*•]\s+(.*)$/.exec(line);
      if (m) {
        para = null;
        if (!list) { list = el("ul"); frag.appendChild(list); }
        var li = el("li");
        appendInline(li, m[1], citeMap);
        list.appendChild(li);
        return;
      }
      list = null;
      if (!line.trim()) { para = null; return; }
      if (!para) { para = el("p"); frag.appendChild(para); } else { para.appendChild(el("br")); }
      appendInline(para, line, citeMap);
    });
    return frag;
  }

  function chip(c) {
    return el("a", {
      class: "chip kind-" + (c.kind || ""), "data-testid": "citation", href: sourceHref(c.source_id, c.locator),
      title: c.title + (c.locator ? " — " + c.locator : ""),
      "data-source-id": c.source_id, "data-locator": c.locator || "", "data-n": c.n
    },
      el("span", { class: "chip-n", "aria-hidden": "true", text: c.n }),
      el("span", { class: "chip-body" },
        el("span", { class: "chip-title", text: c.title }),
        el("span", { class: "chip-loc", text: c.locator || "" })));
  }

  // ------------------------------------------------------------------ source viewer (drawer)
  var viewer = null, viewerBody = null, viewerFull = null, backdrop = null, lastTrigger = null, viewerSeq = 0;

  function kindBadge(kind) {
    return el("span", { class: "badge kind-" + kind, "data-i18n": "kind_" + kind, text: t("kind_" + kind) });
  }

  function renderSource(src, loc) {
    var frag = document.createDocumentFragment();
    var meta = src.meta || {};
    var header = el("header", { class: "src-header" },
      el("div", { class: "src-kicker" }, kindBadge(src.kind), el("span", { class: "src-id", text: src.source_id })),
      el("h3", { class: "src-title", id: "viewer-title", text: src.title || src.source_id }));
    var rows = [["legal_basis", meta.legal_basis], ["version_date", meta.version_date], ["updated", meta.updated]]
      .filter(function (r) { return r[1]; });
    if (rows.length) {
      var dl = el("dl", { class: "src-meta" });
      rows.forEach(function (r) {
        dl.appendChild(el("div", {}, el("dt", { i18n: r[0] }), el("dd", { text: r[1] })));
      });
      header.appendChild(dl);
    }
    var url = safeUrl(src.url);
    if (url) {
      header.appendChild(el("a", { class: "official-link", href: url, target: "_blank", rel: "noopener noreferrer" },
        el("span", { i18n: "official_text" }), " ", el("span", { "aria-hidden": "true", text: "↗" })));
    }
    frag.appendChild(header);

    var rec = src.record, recTable = null;
    if (rec && typeof rec === "object") {
      if (rec.sample) frag.appendChild(el("p", { class: "notice notice-info", i18n: "sample_notice" }));
      var tbody = el("tbody");
      ["mark", "id", "registration_number", "nice_classes", "goods_services", "owner", "province", "filing_date",
        "registration_date", "expiry_date", "status"].forEach(function (key) {
        var v = rec[key];
        if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) return;
        if (Array.isArray(v)) v = v.join(", ");
        var td = key === "status" && STRINGS.vi["status_" + v]
          ? el("td", {}, el("span", { i18n: "status_" + v })) : el("td", { text: v });
        tbody.appendChild(el("tr", {}, el("th", { scope: "row", i18n: "field_" + key }), td));
      });
      recTable = el("table", { class: "record-table" }, tbody);
    }

    var sections = src.sections || [];
    var hi = loc ? matchSection(sections, loc) : -1;
    var wrap = el("div", { class: "src-sections" });
    sections.forEach(function (s, i) {
      var locator = s.locator || (s.page ? "trang " + s.page : "");
      var sec = el("section", { class: "src-section" + (i === hi ? " highlight" : ""), "data-locator": locator });
      if (i === hi) {
        sec.setAttribute("tabindex", "-1");
        sec.appendChild(el("p", { class: "cited-label", i18n: "cited_here" }));
      }
      if (s.heading) sec.appendChild(el("h4", { class: "src-heading", text: s.heading }));
      else if (s.page) sec.appendChild(el("h4", { class: "src-heading" }, el("span", { i18n: "page" }), " " + s.page));
      else if (s.locator) sec.appendChild(el("h4", { class: "src-heading", text: s.locator }));
      if (recTable && sections.length === 1) { sec.appendChild(recTable); } else {
        var textBox = el("div", { class: "src-text" });
        sourceBlocks(s.text, i === hi ? citedClauses(loc) : null, src.kind !== "record").forEach(function (bl) {
          var p = el("p", { class: "src-line" + (bl.item ? " src-item" : "") + (bl.cited ? " cited-clause" : "") });
          appendInline(p, bl.text, {});
          textBox.appendChild(p);
        });
        sec.appendChild(textBox);
      }
      wrap.appendChild(sec);
    });
    frag.appendChild(wrap);
    return frag;
  }

  // Mirrors text.reflow / web.source_blocks: join hard-wrapped lines, keep list items and clauses apart.
  var BLOCK = /^(#{1,6}\s|[-*•+]\s|\d+[.)]\s|[a-zđ]\)\s|\||>)/;
  var CLAUSE = /^(\d+)[.)]\s/;
  var SUBITEM = /^([-*•+]|[a-zđ]\))\s/;

  function reflow(text) {
    var out = [], joinable = false;
    String(text || "").split(/\r?\n/).forEach(function (raw) {
      var line = raw.trim();
      if (!line) { joinable = false; return; }
      if (joinable && out.length && !BLOCK.test(line)) out[out.length - 1] += " " + line;
      else out.push(line);
      joinable = !(line.charAt(0) === "#" || line.charAt(0) === "|");
    });
    return out;
  }

  function citedClauses(locator) {
    var m = /(?:^|[^\p{L}])khoản\s+(\d+)(?:\s*[–-]\s*(\d+))?/iu.exec(locator || "");
    if (!m) return null;
    return [parseInt(m[1], 10), parseInt(m[2] || m[1], 10)];
  }

  function sourceBlocks(text, cited, doReflow) {
    text = String(text || "").replace(/[ \t]{2,}/g, " ");
    var lines = doReflow ? reflow(text) : text.split(/\r?\n/).map(function (l) { return l.trim(); }).filter(Boolean);
    var clause = null;
    return lines.map(function (line) {
      line = line.replace(/^[-*+]\s+/, "• ");
      var m = CLAUSE.exec(line);
      if (m) clause = parseInt(m[1], 10);
      else if (!SUBITEM.test(line)) clause = null;
      return { text: line, item: !!(m || SUBITEM.test(line)),
        cited: !!(cited && clause !== null && clause >= cited[0] && clause <= cited[1]) };
    });
  }

  function openViewer(sourceId, locator, trigger) {
    if (!viewer) { location.href = sourceHref(sourceId, locator); return; }
    lastTrigger = trigger || null;
    qsa(".chip.active").forEach(function (c) { c.classList.remove("active"); });
    if (trigger && trigger.classList.contains("chip")) trigger.classList.add("active");
    viewer.hidden = false;
    backdrop.hidden = false;
    document.body.classList.add("viewer-open");
    viewerFull.setAttribute("href", sourceHref(sourceId, locator));
    viewer.setAttribute("data-source-id", sourceId);
    viewer.setAttribute("data-state", "loading");
    viewerBody.replaceChildren(el("p", { class: "loading", i18n: "loading" }));
    qs("#viewer-close").focus();
    var seq = ++viewerSeq;
    fetch("/api/sources/" + String(sourceId).split("/").map(encodeURIComponent).join("/"),
      { headers: { Accept: "application/json" } })
      .then(function (resp) {
        return readJson(resp).then(function (j) {
          if (!resp.ok) throw apiError(resp, j);
          return j;
        });
      })
      .then(function (src) {
        if (seq !== viewerSeq) return;
        viewerBody.replaceChildren(renderSource(src, locator));
        viewerBody.scrollTop = 0;
        var hi = qs(".highlight .cited-clause", viewerBody) || qs(".highlight", viewerBody);
        if (hi) {
          // Keep the document's title and dates in view when the cited passage already fits below them.
          var top = hi.getBoundingClientRect().top - viewerBody.getBoundingClientRect().top;
          if (top + Math.min(hi.offsetHeight, 160) > viewerBody.clientHeight) viewerBody.scrollTop = Math.max(0, top - 12);
          qs(".highlight", viewerBody).focus({ preventScroll: true });
        }
        viewer.setAttribute("data-state", "ready");
      })
      .catch(function (err) {
        if (seq !== viewerSeq) return;
        viewerBody.replaceChildren(el("p", {
          class: "notice notice-error", role: "alert",
          text: err.status === 404 ? t("source_not_found") : t("source_load_error") + " " + err.message
        }));
        viewer.setAttribute("data-state", "error");
      });
  }

  function closeViewer() {
    if (!viewer || viewer.hidden) return;
    viewerSeq++;
    viewer.hidden = true;
    backdrop.hidden = true;
    document.body.classList.remove("viewer-open");
    qsa(".chip.active").forEach(function (c) { c.classList.remove("active"); });
    if (lastTrigger && document.contains(lastTrigger)) lastTrigger.focus();
  }

  function initViewer() {
    viewer = qs("#source-viewer");
    if (!viewer) return;
    viewerBody = qs("#viewer-body");
    viewerFull = qs("#viewer-full");
    backdrop = qs("#viewer-backdrop");
    qs("#viewer-close").addEventListener("click", closeViewer);
    backdrop.addEventListener("click", closeViewer);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !viewer.hidden) { e.preventDefault(); closeViewer(); }
    });
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a.chip, a.cite-ref");
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      openViewer(a.getAttribute("data-source-id"), a.getAttribute("data-locator"), a);
    });
  }

  // ------------------------------------------------------------------ chat
  var chatHistory = [];
  var busy = false;
  var MAX_HISTORY = 10, MAX_TURN_CHARS = 4000, MAX_BODY = 60000;

  function trimmedHistory(question) {
    var h = chatHistory.slice(-MAX_HISTORY).map(function (m) {
      return { role: m.role, content: m.content.slice(0, MAX_TURN_CHARS) };
    });
    while (h.length && new Blob([JSON.stringify({ question: question, history: h })]).size > MAX_BODY) h.shift();
    return h;
  }

  function answerState(article) {
    if (!article._ipa) {
      var cits = [];
      try { cits = JSON.parse(article.getAttribute("data-citations") || "[]"); } catch (e) { cits = []; }
      article._ipa = {
        question: article.getAttribute("data-question") || "", answer: article.getAttribute("data-raw") || "",
        citations: cits, grounded: !article.classList.contains("ungrounded"), feedbackId: null, key: null
      };
    }
    return article._ipa;
  }

  /** A 16px decorative SVG icon from one path; attrs are set on the path. */
  function svgIcon(d, attrs, transform) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var base = { viewBox: "0 0 24 24", width: "16", height: "16", "aria-hidden": "true", focusable: "false" };
    Object.keys(base).forEach(function (k) { svg.setAttribute(k, base[k]); });
    if (transform) svg.setAttribute("transform", transform);
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    Object.keys(attrs).forEach(function (k) { path.setAttribute(k, attrs[k]); });
    svg.appendChild(path);
    return svg;
  }

  function thumbIcon(down) {
    return svgIcon("M7 10v11H3V10h4zm2 11h8.2c.9 0 1.6-.6 1.8-1.4l1.9-7c.3-1.2-.6-2.6-1.9-2.6H14l.9-4.3c.2-1-.5-2.7-1.9-2.7L9 10v11z",
      { fill: "currentColor" }, down ? "rotate(180)" : null);
  }

  function copyIcon() {
    return svgIcon("M9 9h10v12H9zM5 3h10v3H8v10H5z",
      { fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linejoin": "round" });
  }

  /** Copy button and feedback controls under a finished answer. */
  function addActions(article) {
    if (qs(".answer-actions", article)) return;
    var idBase = "fb-" + Math.random().toString(36).slice(2, 9);
    var up = el("button", { type: "button", class: "btn-ghost fb-btn", "data-testid": "feedback-up", "data-rating": "up",
      "aria-pressed": "false", "data-i18n-aria-label": "feedback_up", "aria-label": t("feedback_up"),
      "data-i18n-title": "feedback_up", title: t("feedback_up") }, thumbIcon(false));
    var down = el("button", { type: "button", class: "btn-ghost fb-btn", "data-testid": "feedback-down", "data-rating": "down",
      "aria-pressed": "false", "data-i18n-aria-label": "feedback_down", "aria-label": t("feedback_down"),
      "data-i18n-title": "feedback_down", title: t("feedback_down") }, thumbIcon(true));
    var actions = el("div", { class: "answer-actions" },
      el("button", { type: "button", class: "btn-ghost copy-btn", "data-testid": "copy" }, copyIcon(),
        el("span", { class: "copy-label", i18n: "copy" })),
      el("div", { class: "feedback", role: "group", "aria-labelledby": idBase + "-prompt" },
        el("span", { class: "feedback-prompt", id: idBase + "-prompt", i18n: "feedback_prompt" }), up, down));
    var form = el("form", { class: "feedback-comment", hidden: true, "data-testid": "feedback-form" },
      el("label", { for: idBase + "-comment", i18n: "feedback_comment_label" }),
      el("textarea", { id: idBase + "-comment", name: "comment", maxlength: "2000", rows: "2",
        "data-testid": "feedback-comment", placeholder: t("feedback_comment_placeholder"),
        "data-i18n-placeholder": "feedback_comment_placeholder" }),
      el("button", { type: "submit", class: "btn btn-primary", "data-testid": "feedback-submit", i18n: "feedback_send" }));
    var status = el("p", { class: "feedback-status", role: "status", "data-testid": "feedback-status" });
    article.appendChild(actions);
    article.appendChild(form);
    article.appendChild(status);
  }

  function plainAnswer(state) {
    var out = state.answer;
    if (state.citations.length) {
      out += "\n\n" + t("citations_heading") + ":\n" + state.citations.map(function (c) {
        return "[" + c.n + "] " + c.title + " — " + c.locator + (safeUrl(c.url) ? " (" + c.url + ")" : "");
      }).join("\n");
    }
    return out;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var ta = el("textarea", { class: "sr-only", readonly: true });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      ta.remove();
      if (ok) { resolve(); } else { reject(new Error("copy")); }
    });
  }

  function onCopy(btn) {
    var article = btn.closest(".turn-assistant");
    var label = qs(".copy-label", btn);
    copyText(plainAnswer(answerState(article))).then(function () {
      label.setAttribute("data-i18n", "copied");
      label.textContent = t("copied");
    }, function () {
      label.setAttribute("data-i18n", "copy_failed");
      label.textContent = t("copy_failed");
    }).then(function () {
      setTimeout(function () { label.setAttribute("data-i18n", "copy"); label.textContent = t("copy"); }, 2000);
    });
  }

  function setStatus(article, key, isError) {
    var status = qs(".feedback-status", article);
    status.classList.toggle("is-error", !!isError);
    status.setAttribute("data-i18n", key);
    status.textContent = t(key);
  }

  function onFeedback(btn) {
    var article = btn.closest(".turn-assistant");
    var state = answerState(article);
    var rating = btn.getAttribute("data-rating");
    var buttons = qsa(".fb-btn", article);
    buttons.forEach(function (b) { b.disabled = true; });
    var req = state.feedbackId
      ? postJson("/api/feedback/" + state.feedbackId, { key: state.key, rating: rating })
      : postJson("/api/feedback", {
        question: state.question.slice(0, 2000), answer: state.answer.slice(0, 20000), rating: rating, lang: lang,
        citations: state.citations.slice(0, 50).map(function (c) {
          return { n: c.n, source_id: c.source_id, locator: c.locator, title: c.title };
        })
      }).then(function (j) { state.feedbackId = j.id; state.key = j.key; return j; });
    req.then(function () {
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === btn)); });
      var form = qs(".feedback-comment", article);
      form.hidden = false;
      form.scrollIntoView({ block: "nearest" });
      setStatus(article, "feedback_thanks");
    }, function () {
      setStatus(article, "feedback_error", true);
    }).then(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }

  function onComment(form) {
    var article = form.closest(".turn-assistant");
    var state = answerState(article);
    var ta = qs("textarea", form);
    var comment = ta.value.trim();
    if (!comment || !state.feedbackId) return;
    var btn = qs("button[type=submit]", form);
    btn.disabled = true;
    postJson("/api/feedback/" + state.feedbackId, { key: state.key, comment: comment.slice(0, 2000) }).then(function () {
      form.hidden = true;
      setStatus(article, "feedback_comment_thanks");
    }, function () {
      setStatus(article, "feedback_error", true);
    }).then(function () { btn.disabled = false; });
  }

  function renderAnswer(article, state) {
    var body = qs(".answer-body", article);
    body.replaceChildren(renderMarkdown(state.answer, state.citations));
  }

  function renderCitations(article, citations) {
    var box = qs(".citations", article);
    if (!citations.length) { box.hidden = true; return; }
    var ol = qs("ol", box);
    ol.replaceChildren();
    citations.forEach(function (c) { ol.appendChild(el("li", {}, chip(c))); });
    box.hidden = false;
  }

  function newAnswerArticle(question) {
    qsa("[data-testid=answer]").forEach(function (a) { a.setAttribute("data-testid", "answer-previous"); });
    var article = el("article", { class: "turn turn-assistant", "data-testid": "answer", "data-state": "streaming",
      "aria-busy": "true" },
      el("p", { class: "who" }, el("span", { class: "avatar", "aria-hidden": "true" }), el("span", { i18n: "assistant" })),
      el("div", { class: "thinking" }, el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
        el("span", { i18n: "thinking" })),
      el("div", { class: "answer-body" }),
      el("div", { class: "citations", hidden: true },
        el("h3", { class: "citations-title", i18n: "citations_heading" }), el("ol", { class: "chips" })));
    article._ipa = { question: question, answer: "", citations: [], grounded: true, feedbackId: null, key: null };
    return article;
  }

  function withAsOf(body) {
    var field = document.getElementById("as-of");
    if (field && field.value) body.as_of = field.value;
    return body;
  }

  function finishAnswer(article, state) {
    var thinking = qs(".thinking", article);
    if (thinking) thinking.remove();
    renderAnswer(article, state);
    if (!state.grounded) {
      article.classList.add("ungrounded");
      qs(".citations", article).remove();
      article.insertBefore(el("div", { class: "notice notice-warn", role: "note" },
        el("p", { class: "notice-title", i18n: "ungrounded_title" }),
        el("p", { i18n: "ungrounded_text" })), qs(".answer-body", article));
    } else {
      renderCitations(article, state.citations);
    }
    // Which date's law the answer states, and the not-legal-advice notice: beside the answer, not in it.
    if (state.asOf || state.notice) {
      var foot = el("p", { class: "answer-notice", "data-testid": "answer-notice" });
      if (state.asOf) foot.appendChild(el("span", { class: "as-of", "data-testid": "answer-as-of",
        text: t("as_of_shown").replace("{date}", state.asOf.split("-").reverse().join("/")) + " " }));
      if (state.notice) foot.appendChild(el("span", { text: state.notice }));
      article.appendChild(foot);
    }
    // Generative mode fell back: say that this is the quoted answer, and why (the reason as a tooltip).
    if (state.generation && state.generation.status !== "ok") {
      article.appendChild(el("p", { class: "answer-notice generation-note", "data-testid": "generation-note",
        role: "note", i18n: "generation_fallback", title: state.generation.reason || "" }));
    }
    article.setAttribute("data-state", "done");
    article.setAttribute("aria-busy", "false");
    addActions(article);
  }

  function failAnswer(article, message) {
    var thinking = qs(".thinking", article);
    if (thinking) thinking.remove();
    article.classList.add("is-error");
    article.setAttribute("data-state", "error");
    article.setAttribute("aria-busy", "false");
    qs(".answer-body", article).replaceChildren(el("p", { role: "alert", text: message }));
  }

  /** Read a text/event-stream body with fetch + ReadableStream (EventSource cannot POST). */
  function readSSE(resp, onEvent) {
    var buf = "";
    function dispatch(block) {
      var name = "message", data = [];
      block.split("\n").forEach(function (line) {
        if (!line || line.charAt(0) === ":") return;
        var i = line.indexOf(":");
        var field = i < 0 ? line : line.slice(0, i);
        var value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      });
      if (!data.length) return;
      var payload;
      try { payload = JSON.parse(data.join("\n")); } catch (e) { return; }
      onEvent(name, payload);
    }
    function drain(final) {
      buf = buf.replace(/\r\n?/g, "\n");
      var idx;
      while ((idx = buf.indexOf("\n\n")) >= 0) {
        dispatch(buf.slice(0, idx));
        buf = buf.slice(idx + 2);
      }
      if (final && buf.trim()) { dispatch(buf); buf = ""; }
    }
    if (!resp.body || !resp.body.getReader) {
      return resp.text().then(function (txt) { buf = txt; drain(true); });
    }
    var reader = resp.body.getReader();
    var decoder = new TextDecoder("utf-8");
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) { buf += decoder.decode(); drain(true); return; }
        buf += decoder.decode(r.value, { stream: true });
        drain(false);
        return pump();
      });
    }
    return pump();
  }

  function initChat() {
    var form = qs("#composer");
    if (!form) return;
    var textarea = qs("#question");
    var sendBtn = qs("[data-testid=send]");
    var sendLabel = qs(".send-label", sendBtn);
    var conversation = qs("#conversation");
    var intro = qs("#intro");
    var newChat = qs("#new-chat");

    // Server-rendered turns (the no-JS /ask page) become the start of the history.
    qsa(".turn", conversation).forEach(function (n) {
      if (n.classList.contains("turn-user")) {
        chatHistory.push({ role: "user", content: qs(".turn-text", n).textContent });
      } else {
        var st = answerState(n);
        chatHistory.push({ role: "assistant", content: st.answer });
        addActions(n);
      }
    });
    if (chatHistory.length) newChat.hidden = false;

    function autosize() {
      textarea.style.height = "auto";
      textarea.style.height = Math.min(textarea.scrollHeight + 2, 220) + "px";
    }
    textarea.addEventListener("input", autosize);

    function setBusy(on) {
      busy = on;
      sendBtn.setAttribute("aria-disabled", String(on));
      sendLabel.setAttribute("data-i18n", on ? "sending" : "send");
      sendLabel.textContent = t(on ? "sending" : "send");
    }

    function showFormError(key) {
      var err = qs("#composer-error");
      if (!err) {
        err = el("p", { class: "form-error", role: "alert", id: "composer-error" });
        form.insertBefore(err, form.firstChild);
      }
      err.setAttribute("data-i18n", key);
      err.textContent = t(key);
    }

    function clearFormError() {
      var err = qs("#composer-error");
      if (err) err.remove();
    }

    function ask(question) {
      question = question.trim();
      if (!question) { showFormError("error_empty"); textarea.focus(); return; }
      if (busy) return;
      clearFormError();
      setBusy(true);
      intro.hidden = true;
      newChat.hidden = false;
      closeViewer();

      var hist = trimmedHistory(question);
      conversation.appendChild(el("div", { class: "turn turn-user" },
        el("p", { class: "sr-only", i18n: "you" }), el("p", { class: "bubble turn-text", text: question })));
      var article = newAnswerArticle(question);
      var state = article._ipa;
      conversation.appendChild(article);
      article.scrollIntoView({ block: "nearest" });
      textarea.value = "";
      autosize();

      var pending = false, gotDone = false;
      function scheduleRender() {
        if (pending) return;
        pending = true;
        requestAnimationFrame(function () {
          pending = false;
          if (article.getAttribute("data-state") !== "streaming") return;
          var thinking = qs(".thinking", article);
          if (thinking && state.answer) thinking.remove();
          renderAnswer(article, state);
        });
      }

      fetch("/api/chat/stream", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
        body: JSON.stringify(withAsOf({ question: question, history: hist }))
      }).then(function (resp) {
        if (!resp.ok) return readJson(resp).then(function (j) { throw apiError(resp, j); });
        return readSSE(resp, function (name, data) {
          if (name === "citations") {
            state.citations = Array.isArray(data.citations) ? data.citations : [];
            renderCitations(article, state.citations);
          } else if (name === "token") {
            state.answer += typeof data.t === "string" ? data.t : "";
            scheduleRender();
          } else if (name === "done") {
            gotDone = true;
            if (typeof data.answer === "string") state.answer = data.answer;
            state.grounded = data.grounded !== false;
            state.generation = data.generation || null;
            state.asOf = typeof data.as_of === "string" ? data.as_of : "";
            state.notice = typeof data.notice === "string" ? data.notice : "";
          } else if (name === "error") {
            throw new Error(data.detail || t("error_generic"));
          }
        });
      }).then(function () {
        if (!gotDone) state.grounded = state.citations.length > 0;
        if (!state.answer) throw new Error(t("error_generic"));
        finishAnswer(article, state);
        chatHistory.push({ role: "user", content: question }, { role: "assistant", content: state.answer });
      }).catch(function (err) {
        var msg = err instanceof TypeError ? t("error_network") : t("error_prefix") + ": " + (err.message || t("error_generic"));
        failAnswer(article, msg);
      }).then(function () {
        setBusy(false);
        if (document.activeElement === document.body || !document.activeElement || document.activeElement.closest(".intro")) {
          textarea.focus();
        }
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      ask(textarea.value);
    });
    textarea.addEventListener("keydown", function (e) {
      // Enter sends; Shift+Enter is a new line; never while an IME (Vietnamese Telex/VNI) is composing.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        ask(textarea.value);
      }
    });
    qsa(".example-form").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        var q = qs("button", f).getAttribute("data-question");
        textarea.focus();
        ask(q);
      });
    });
    newChat.addEventListener("click", function () {
      if (busy) return;
      chatHistory = [];
      conversation.replaceChildren();
      intro.hidden = false;
      newChat.hidden = true;
      clearFormError();
      textarea.focus();
    });
    conversation.addEventListener("click", function (e) {
      var btn = e.target.closest("button");
      if (!btn) return;
      if (btn.classList.contains("fb-btn")) onFeedback(btn);
      else if (btn.classList.contains("copy-btn")) onCopy(btn);
    });
    conversation.addEventListener("submit", function (e) {
      if (e.target.classList.contains("feedback-comment")) { e.preventDefault(); onComment(e.target); }
    });
  }

  // ------------------------------------------------------------------ sources list (live search)
  function initSources() {
    var form = qs("#source-search");
    if (!form) return;
    var input = qs("#q", form);
    var list = qs("#source-list");
    var count = qs("#source-count");
    var empty = qs("#source-empty");
    var tabs = qsa("#kind-tabs .tab");
    var pager = qs(".pager");
    var kind = (qs("#kind-tabs .tab[aria-current=page]") || { getAttribute: function () { return ""; } }).getAttribute("data-kind") || "";
    var timer = null, seq = 0;

    function load() {
      var q = input.value.trim();
      var params = new URLSearchParams();
      if (kind) params.set("kind", kind);
      if (q) params.set("q", q);
      var mySeq = ++seq;
      params.set("limit", "100");
      fetch("/api/sources?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (resp) { return readJson(resp).then(function (j) { if (!resp.ok) throw apiError(resp, j); return j; }); })
        .then(function (j) {
          if (mySeq !== seq) return;
          var rows = j.sources || [];
          list.replaceChildren();
          rows.forEach(function (s) {
            list.appendChild(el("li", { class: "source-item" },
              el("a", { href: sourceHref(s.source_id), class: "source-link" }, kindBadge(s.kind),
                el("span", { class: "source-title", text: s.title }), el("span", { class: "source-id", text: s.source_id }))));
          });
          count.setAttribute("data-i18n-args", JSON.stringify({ n: rows.length }));
          count.textContent = t("results_count", { n: rows.length });
          empty.hidden = rows.length > 0;
          if (pager) pager.hidden = true;
          params.delete("limit");
          var qsStr = params.toString();
          history.replaceState(null, "", "/sources" + (qsStr ? "?" + qsStr : ""));
        })
        .catch(function () { /* the server-rendered list stays */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 200);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
    tabs.forEach(function (tab) {
      tab.addEventListener("click", function (e) {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        kind = tab.getAttribute("data-kind") || "";
        tabs.forEach(function (x) { if (x === tab) x.setAttribute("aria-current", "page"); else x.removeAttribute("aria-current"); });
        var hidden = qs("#kind-input", form);
        if (hidden) hidden.value = kind;
        load();
      });
    });
  }

  // ------------------------------------------------------------------ source page
  function initSourcePage() {
    var hi = qs(".source-doc .highlight");
    if (hi) {
      (qs(".cited-clause", hi) || hi).scrollIntoView({ block: "center" });
      hi.focus({ preventScroll: true });
    }
  }

  // ------------------------------------------------------------------ trademark
  function conflictView(c) {
    var sim = c.similarity !== undefined ? c.similarity : c.score;
    var reasons = c.reasons || [];
    if (typeof reasons === "string") reasons = [reasons];
    var classes = c.nice_classes || c.classes || [];
    return {
      mark: String(c.mark || ""), recordId: String(c.record_id || c.id || ""),
      classes: Array.isArray(classes) ? classes.join(", ") : String(classes),
      owner: c.owner, status: c.status, risk: c.risk,
      similarity: typeof sim === "number" && sim <= 1 ? Math.round(sim * 100) + "%" : sim,
      reasons: reasons.map(String)
    };
  }

  function fact(labelKey, valueNode) {
    return el("div", {}, el("dt", { i18n: labelKey }), el("dd", {}, valueNode));
  }

  function renderMarkResult(box, res) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h2", { i18n: "tm_results" }));
    var classes = (res.nice_classes || []).join(", ");
    frag.appendChild(el("p", { class: "tm-checked",
      text: t("tm_checked", { mark: res.mark, classes: classes || t("tm_all_classes") }) }));
    var sugg = res.suggested_classes || [];
    if (sugg.length) {
      frag.appendChild(el("h3", { i18n: "tm_suggested" }));
      var ul = el("ul", { class: "suggested" });
      sugg.forEach(function (s) {
        var label = s.label || s.title || s.name || s.description || s.why;
        ul.appendChild(el("li", { class: "suggested-item" },
          el("span", { class: "class-no" }, el("span", { i18n: "tm_class" }), " " + s["class"]),
          label ? el("span", { class: "class-label", text: label }) : null));
      });
      frag.appendChild(ul);
    }
    frag.appendChild(el("h3", { i18n: "tm_conflicts" }));
    var conflicts = (res.conflicts || []).map(conflictView);
    if (!conflicts.length) {
      frag.appendChild(el("p", { class: "notice notice-ok", i18n: "tm_none" }));
    } else {
      var list = el("ul", { class: "conflicts" });
      conflicts.forEach(function (c) {
        var riskKey = "tm_risk_" + c.risk;
        var head = el("div", { class: "conflict-head" }, el("span", { class: "conflict-mark", text: c.mark }),
          c.risk ? (STRINGS.vi[riskKey]
            ? el("span", { class: "risk-badge risk-" + c.risk, i18n: riskKey })
            : el("span", { class: "risk-badge", text: c.risk })) : null);
        var dl = el("dl", { class: "conflict-facts" });
        dl.appendChild(fact("tm_record", c.recordId
          ? el("a", { href: "/records/" + encodeURIComponent(c.recordId), text: c.recordId }) : document.createTextNode("")));
        dl.appendChild(fact("field_nice_classes", document.createTextNode(c.classes)));
        if (c.owner) dl.appendChild(fact("field_owner", document.createTextNode(c.owner)));
        if (c.status) {
          dl.appendChild(fact("field_status", STRINGS.vi["status_" + c.status]
            ? el("span", { i18n: "status_" + c.status }) : document.createTextNode(c.status)));
        }
        if (c.similarity !== undefined && c.similarity !== null) {
          dl.appendChild(fact("tm_similarity", document.createTextNode(String(c.similarity))));
        }
        var li = el("li", { class: "conflict card risk-" + (c.risk || "none"), "data-testid": "conflict" }, head, dl);
        if (c.reasons.length) {
          var rl = el("ul", { class: "reasons", "aria-label": t("tm_reasons") });
          c.reasons.forEach(function (r) { rl.appendChild(el("li", { text: r })); });
          li.appendChild(rl);
        }
        list.appendChild(li);
      });
      frag.appendChild(list);
    }
    frag.appendChild(el("p", { class: "hint", i18n: "tm_disclaimer" }));
    box.replaceChildren(frag);
  }

  function initTrademark() {
    var form = qs("#tm-form");
    if (!form) return;
    var box = qs("#tm-results");
    var submit = qs("[data-testid=tm-submit]", form);
    function showError(text) {
      box.replaceChildren(el("p", { class: "notice notice-error", role: "alert", text: text }));
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var mark = qs("#tm-mark").value.trim();
      var rawClasses = qs("#tm-classes").value.trim();
      var goods = qs("#tm-goods").value.trim();
      if (!mark) { showError(t("tm_error") + ": " + t("tm_mark") + "?"); qs("#tm-mark").focus(); return; }
      var parts = rawClasses ? rawClasses.split(/[\s,;]+/).filter(Boolean) : [];
      var classes = [];
      for (var i = 0; i < parts.length; i++) {
        var n = /^\d+$/.test(parts[i]) ? parseInt(parts[i], 10) : NaN;
        if (!(n >= 1 && n <= 45)) { showError(t("tm_bad_classes")); qs("#tm-classes").focus(); return; }
        if (classes.indexOf(n) < 0) classes.push(n);
      }
      submit.disabled = true;
      box.setAttribute("aria-busy", "true");
      box.replaceChildren(el("p", { class: "loading", i18n: "tm_checking" }));
      postJson("/api/trademark/check", { mark: mark.slice(0, 200), nice_classes: classes.length ? classes : null,
        goods: goods ? goods.slice(0, 2000) : null })
        .then(function (res) { renderMarkResult(box, res); }, function (err) {
          if (err.code === "store_missing") showError(t("tm_unavailable"));
          else if (err instanceof TypeError) showError(t("error_network"));
          else showError(t("tm_error") + ": " + (err.status >= 500 && !err.code ? t("error_generic") : err.message));
        })
        .then(function () { submit.disabled = false; box.setAttribute("aria-busy", "false"); });
    });
  }

  // ------------------------------------------------------------------ boot
  function boot() {
    initLang();
    initViewer();
    initChat();
    initSources();
    initSourcePage();
    initTrademark();
    document.documentElement.classList.add("js");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
