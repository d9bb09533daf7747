/*! Sayso feedback widget. Embed it with
 *   <script src="https://your-sayso/widget.js" data-org="your-org" async></script>
 * Options (attributes of that script tag): data-label (the button's text, "Feedback"),
 * data-title (the form's heading), data-color (a #hex accent colour).
 * Plain JavaScript, no dependencies; it keeps to a shadow DOM so the page's styles and the
 * widget's never mix. Served by Sayso at /widget.js. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-org][src*='widget.js']");
  if (!script || script.getAttribute("data-sayso-ready")) return;
  script.setAttribute("data-sayso-ready", "1");
  var org = (script.getAttribute("data-org") || "").trim();
  if (!org) {
    if (window.console) console.warn("Sayso widget: the script tag needs data-org=\"your-organization\".");
    return;
  }
  // The Sayso site is wherever this script came from (a path prefix included).
  var endpoint = new URL("o/" + encodeURIComponent(org) + "/widget/messages", new URL(".", script.src)).href;
  var label = script.getAttribute("data-label") || "Feedback";
  var title = script.getAttribute("data-title") || "Send us feedback";
  var color = script.getAttribute("data-color") || "";
  if (!/^#[0-9a-fA-F]{3,8}$/.test(color)) color = "#1f4fd1";
  var MAX = 5000;
  var uid = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text) node.textContent = text;
    return node;
  }

  function newId() {
    var c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    // crypto.randomUUID needs a secure context; getRandomValues does not.
    var b = c.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var css = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:999px;",
    "padding:12px 20px;background:var(--c);color:#fff;font-size:15px;font-weight:600;cursor:pointer;",
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launch:hover{filter:brightness(1.1)}",
    "button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".dialog{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:min(360px,calc(100vw - 24px));",
    "max-height:calc(100vh - 40px);overflow:auto;background:#fff;color:#1b1b1f;border-radius:12px;",
    "padding:18px 18px 16px;box-shadow:0 10px 40px rgba(0,0,0,.3);font-size:15px;line-height:1.4}",
    "[hidden]{display:none!important}",
    "h2{margin:0 0 12px;font-size:18px;font-weight:700}",
    "label{display:block;font-weight:600;margin:10px 0 4px}",
    ".hint{font-weight:400;color:#55575d}",
    "textarea,input{display:block;width:100%;border:1px solid #8a8d96;border-radius:8px;padding:8px 10px;",
    "font-size:15px;color:#1b1b1f;background:#fff}",
    "textarea{min-height:110px;resize:vertical}",
    ".row{display:flex;gap:8px;justify-content:flex-end;margin-top:14px}",
    ".row button{border-radius:8px;padding:8px 16px;font-size:15px;font-weight:600;cursor:pointer}",
    ".send{background:var(--c);color:#fff;border:1px solid var(--c)}",
    ".send[aria-disabled=true]{opacity:.6;cursor:progress}",
    ".close{background:#fff;color:#1b1b1f;border:1px solid #8a8d96}",
    ".status{margin:12px 0 0;min-height:1.4em}",
    ".status.ok{color:#0b6b2f}.status.err{color:#b00020}.status:empty{margin:0;min-height:0}",
  ].join("");

  var host = el("div", { "data-sayso-widget": org });
  var root = host.attachShadow({ mode: "open" });
  var n = "sayso-" + ++uid;
  var launch = el("button", { type: "button", class: "launch", "aria-haspopup": "dialog", "aria-expanded": "false" }, label);
  var dialog = el("div", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": n + "-t", hidden: "" });
  var form = el("form", { novalidate: "" });
  var heading = el("h2", { id: n + "-t" }, title);
  var msgLabel = el("label", { for: n + "-m" }, "Your message");
  var message = el("textarea", { id: n + "-m", name: "message", required: "", maxlength: String(MAX), rows: "5" });
  var mailLabel = el("label", { for: n + "-e" }, "Email ");
  mailLabel.appendChild(el("span", { class: "hint" }, "(optional, so we can reply)"));
  var email = el("input", { id: n + "-e", name: "email", type: "email", autocomplete: "email", maxlength: "254" });
  var status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  var row = el("div", { class: "row" });
  var close = el("button", { type: "button", class: "close" }, "Close");
  var send = el("button", { type: "submit", class: "send" }, "Send");
  row.appendChild(close);
  row.appendChild(send);
  [heading, msgLabel, message, mailLabel, email, row, status].forEach(function (x) { form.appendChild(x); });
  dialog.appendChild(form);
  // A constructed style sheet, not a <style> element: a host page whose Content-Security-Policy
  // allows no inline style still styles the widget. (<style> only where browsers lack them.)
  if (window.CSSStyleSheet && "adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = el("style");
    style.textContent = css;
    root.appendChild(style);
  }
  root.appendChild(launch);
  root.appendChild(dialog);
  host.style.setProperty("--c", color);

  var pending = null; // {id, text, email}: one id per message, kept when the same one is retried
  var busy = false;

  function say(text, kind) {
    status.className = "status" + (kind ? " " + kind : "");
    status.textContent = text;
  }

  function open() {
    if (!busy) say("");
    dialog.hidden = false;
    launch.hidden = true;
    launch.setAttribute("aria-expanded", "true");
    message.focus();
  }

  function shut() {
    dialog.hidden = true;
    launch.hidden = false;
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }

  function focusables() {
    return [message, email, close, send];
  }

  launch.addEventListener("click", open);
  close.addEventListener("click", shut);
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      shut();
    } else if (event.key === "Tab") {
      // Keep focus inside the dialog while it is open (it is modal).
      var items = focusables();
      var active = root.activeElement;
      var first = items[0];
      var last = items[items.length - 1];
      if (event.shiftKey && (active === first || items.indexOf(active) < 0)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || items.indexOf(active) < 0)) {
        event.preventDefault();
        first.focus();
      }
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target === message) {
      event.preventDefault();
      submit();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });

  function submit() {
    if (busy) return;
    var text = message.value.trim();
    var address = email.value.trim();
    if (!text) {
      say("Write a message first.", "err");
      message.focus();
      return;
    }
    if (address && !email.checkValidity()) {
      say("“" + address + "” is not a valid email address.", "err");
      email.focus();
      return;
    }
    if (!pending || pending.text !== text || pending.email !== address) {
      pending = { id: newId(), text: text, email: address };
    }
    busy = true;
    // aria-disabled, not disabled: a disabled button would drop the keyboard user's focus.
    send.setAttribute("aria-disabled", "true");
    dialog.setAttribute("aria-busy", "true");
    say("Sending…");
    fetch(endpoint, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        message: text,
        email: address,
        page: String(location.href).slice(0, 1000),
        submission_id: pending.id,
      }),
    })
      .then(function (response) {
        return response.json().then(
          function (data) { return { ok: response.ok, data: data || {} }; },
          function () { return { ok: false, data: {} }; }
        );
      })
      .then(function (result) {
        if (result.ok) {
          pending = null;
          message.value = "";
          say(result.data.message || "Thanks! Your message was sent.", "ok");
        } else {
          say(result.data.error || "Sorry, your message could not be sent. Please try again later.", "err");
        }
      })
      .catch(function () {
        // The browser hides why (a refused origin looks like a network failure to scripts).
        say("Sorry, your message could not be sent: this site may not be allowed to send feedback, or the connection failed.", "err");
      })
      .then(function () {
        busy = false;
        send.removeAttribute("aria-disabled");
        dialog.removeAttribute("aria-busy");
      });
  }

  function mount() {
    document.body.appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
