// The Verify page: loads the receipt verifier (Go, compiled to
// WebAssembly) and runs it on what the reader pasted or loaded. Nothing is
// sent anywhere: the verifier gets the receipt and the regime from this
// page, and answers here.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  if (!form) return;
  var button = document.getElementById("verify-button");
  var state = document.getElementById("verifier-state");
  var names = {};

  // A loaded file goes into its text box, where the reader can see it.
  form.querySelectorAll("input[type=file][data-into]").forEach(function (input) {
    input.addEventListener("change", function () {
      var f = input.files && input.files[0];
      if (!f) return;
      f.text().then(function (text) {
        document.getElementById(input.dataset.into).value = text;
        names[input.dataset.into] = f.name;
      });
    });
  });

  window.tallyVerifierReady = function () {
    button.disabled = false;
    state.textContent = "Verifier ready.";
  };

  function load() {
    var go = new Go();
    var url = form.dataset.wasm;
    var inst = WebAssembly.instantiateStreaming
      ? WebAssembly.instantiateStreaming(fetch(url), go.importObject)
      : fetch(url).then(function (r) { return r.arrayBuffer(); }).then(function (b) { return WebAssembly.instantiate(b, go.importObject); });
    inst.then(function (r) { go.run(r.instance); })
      .catch(function (err) { state.textContent = "The verifier could not be loaded: " + err; });
  }

  // The entry, if one was given, as bytes: a file loaded, else the entry
  // the page gives (a notification's page).
  function entry() {
    var input = document.getElementById("entry-file");
    var f = input.files && input.files[0];
    if (!f) {
      var text = document.getElementById("entry-text");
      if (text && text.value) return Promise.resolve(new TextEncoder().encode(text.value));
      return Promise.resolve(null);
    }
    return f.arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }

  function show(o) {
    var box = document.getElementById("outcome");
    var title = document.getElementById("outcome-title");
    box.hidden = false;
    box.className = "outcome outcome--" + o.verdict;
    title.textContent = (o.verdict === "valid" ? "✓ " : "✗ ") + o.title;
    document.getElementById("outcome-reason").textContent = o.reason ? "Why: " + o.reason : "Checked at " + o.at + ".";
    var list = document.getElementById("outcome-checks");
    list.textContent = "";
    (o.checks || []).forEach(function (c) {
      var li = document.createElement("li");
      li.className = c.ok ? "check check--ok" : "check check--failed";
      var mark = document.createElement("span");
      mark.className = "check__mark";
      mark.textContent = c.ok ? "✓ ok" : "✗ failed";
      var what = document.createElement("strong");
      what.textContent = c.what + ": ";
      li.appendChild(mark);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(what);
      li.appendChild(document.createTextNode(c.detail));
      list.appendChild(li);
    });
    document.getElementById("outcome-summary").textContent = o.summary || "";
    title.focus();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (typeof window.tallyVerify !== "function") return;
    entry().then(function (ent) {
      show(window.tallyVerify({
        receipt: document.getElementById("receipt").value,
        regime: document.getElementById("regime").value,
        regimeName: names.regime || "regime",
        at: document.getElementById("at").value,
        entry: ent
      }));
    });
  });

  load();
})();
