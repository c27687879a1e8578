// The /advice page: post the form, show the draft as editable paragraphs with citation links, and download
// the edited draft as .docx or .md. Text from the server is set with textContent only, never as markup.
(function () {
  "use strict";
  var form = document.getElementById("adv-form");
  if (!form) return;
  var preview = document.getElementById("adv-preview");
  var docEl = document.getElementById("adv-doc");
  var errorEl = document.getElementById("adv-error");
  var draft = null;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function sourceHref(c) {
    var href = "/sources/" + encodeURIComponent(c.source_id).replace(/%2F/g, "/");
    if (c.locator) href += "?loc=" + encodeURIComponent(c.locator) + "#cited";
    return href;
  }

  function showError(msg) {
    errorEl.textContent = msg;
    errorEl.hidden = false;
  }

  function render(d) {
    draft = d;
    docEl.textContent = "";
    var byN = {};
    d.citations.forEach(function (c) { byN[c.n] = c; });
    docEl.appendChild(el("h2", {}, d.title));
    d.sections.forEach(function (s) {
      var sec = el("section", {"data-key": s.key, "data-testid": "adv-section"});
      sec.appendChild(el("h3", {}, s.number + ". " + s.title));
      s.paragraphs.forEach(function (p) {
        var row = el("p", {"class": "adv-para", "data-cites": p.cites.join(",")});
        var text = el("span", {"class": "adv-text", "contenteditable": "true", "data-testid": "adv-text"}, p.text);
        row.appendChild(text);
        p.cites.forEach(function (n) {
          var c = byN[n];
          if (!c) return;
          row.appendChild(document.createTextNode(" "));
          row.appendChild(el("a", {"href": sourceHref(c), "class": "cite", "data-testid": "adv-cite",
                                   "title": c.title + (c.locator ? " — " + c.locator : ""),
                                   "target": "_blank", "rel": "noopener"}, "[" + n + "]"));
        });
        sec.appendChild(row);
      });
      docEl.appendChild(sec);
    });
    if (d.warnings && d.warnings.length) {
      var w = el("section", {"data-testid": "adv-warnings"});
      w.appendChild(el("h3", {}, "Lưu ý"));
      var ul = el("ul");
      d.warnings.forEach(function (x) { ul.appendChild(el("li", {}, x)); });
      w.appendChild(ul);
      docEl.appendChild(w);
    }
    var notes = el("section", {"data-testid": "adv-citations"});
    notes.appendChild(el("h3", {}, "Nguồn trích dẫn"));
    var ol = el("ol");
    d.citations.forEach(function (c) {
      var li = el("li", {"value": String(c.n)});
      li.appendChild(el("a", {"href": sourceHref(c), "target": "_blank", "rel": "noopener"},
                         c.title + (c.locator ? " — " + c.locator : "")));
      ol.appendChild(li);
    });
    notes.appendChild(ol);
    docEl.appendChild(notes);
    preview.hidden = false;
    preview.setAttribute("data-state", "done");
  }

  function edited() {
    var out = JSON.parse(JSON.stringify(draft));
    var secs = docEl.querySelectorAll("section[data-key]");
    out.sections.forEach(function (s, i) {
      var paras = secs[i] ? secs[i].querySelectorAll("p.adv-para") : [];
      s.paragraphs = Array.prototype.map.call(paras, function (p) {
        var cites = (p.getAttribute("data-cites") || "").split(",").filter(Boolean).map(Number);
        return {text: p.querySelector(".adv-text").textContent.trim(), cites: cites};
      }).filter(function (p) { return p.text; });
    });
    return out;
  }

  function body() {
    var v = function (name) { var x = form.elements[name].value.trim(); return x || null; };
    var b = {enterprise: {name: v("name") || "", province: v("province") || ""}, request: v("request") || ""};
    if (v("sector")) b.enterprise.sector = v("sector");
    ["mark", "goods", "as_of", "station"].forEach(function (k) { if (v(k)) b[k] = v(k); });
    if (v("classes")) {
      var nums = v("classes").split(/[\s,;]+/).filter(Boolean).map(Number);
      b.nice_classes = nums;
    }
    return b;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errorEl.hidden = true;
    preview.setAttribute("data-state", "loading");
    fetch("/api/advice", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body())})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, j: j}; }); })
      .then(function (res) {
        if (!res.ok) { preview.setAttribute("data-state", "error"); showError(res.j.detail || "Không soạn được bản nháp"); return; }
        render(res.j);
      })
      .catch(function () { preview.setAttribute("data-state", "error"); showError("Không kết nối được máy chủ"); });
  });

  function download(fmt) {
    if (!draft) return;
    fetch("/api/advice/export?format=" + fmt, {method: "POST", headers: {"Content-Type": "application/json"},
                                                 body: JSON.stringify(edited())})
      .then(function (r) { if (!r.ok) throw new Error("export failed"); return r.blob(); })
      .then(function (blob) {
        var a = el("a", {href: URL.createObjectURL(blob), download: "van-ban-tu-van-" + draft.as_of + "." + fmt});
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      })
      .catch(function () { showError("Không tải được tệp"); });
  }
  document.getElementById("adv-docx").addEventListener("click", function () { download("docx"); });
  document.getElementById("adv-md").addEventListener("click", function () { download("md"); });
})();
