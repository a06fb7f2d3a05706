/*
 * career-chatbot web chat widget. Embed it with one tag, pointing at the chatbot service:
 *
 *   <script src="https://chat.example.com/widget.js" defer></script>
 *
 * Optional attributes on that tag: data-title (the panel's heading) and data-open="true"
 * (start with the panel open). The widget talks to /v1/chat and /v1/topics next to the
 * script's own address, keeps the session id only for the life of the page, and puts every
 * piece of text on the page as text (textContent), never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = script && script.src ? script.src : location.href;
  var chatUrl = new URL("v1/chat", base).href;
  var topicsUrl = new URL("v1/topics", base).href;
  var settings = script ? script.dataset : {};
  var title = settings.title || "Careers help: production technician";
  var MAX_CHARS = 1000;

  var CSS = [
    ":host { all: initial; }",
    ".ccb, .ccb * { box-sizing: border-box; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
    ".ccb { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font-size: 15px; line-height: 1.45; color: #1d2329; }",
    ".launcher { border: 0; border-radius: 24px; padding: 12px 18px; background: #14532d; color: #fff; font-size: 15px; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:hover { background: #166534; }",
    "button:focus-visible, input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }",
    ".panel { display: flex; flex-direction: column; width: min(380px, calc(100vw - 40px)); height: min(560px, calc(100vh - 100px)); margin-bottom: 12px; background: #fff; border: 1px solid #c9d1d9; border-radius: 12px; box-shadow: 0 10px 30px rgba(0,0,0,.2); overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    "header { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 10px 14px; background: #14532d; color: #fff; }",
    "h2 { margin: 0; font-size: 16px; font-weight: 600; }",
    ".close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1; padding: 2px 8px; border-radius: 6px; cursor: pointer; }",
    ".log { position: relative; flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f8fa; }",
    ".msg { max-width: 88%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".msg.bot { align-self: flex-start; background: #fff; border: 1px solid #d0d7de; }",
    ".msg.user { align-self: flex-end; background: #14532d; color: #fff; }",
    ".msg.error { align-self: stretch; max-width: 100%; background: #fff4e5; border: 1px solid #f0b35a; color: #5c3600; }",
    ".msg.typing { color: #57606a; font-style: italic; }",
    ".chips { display: flex; flex-wrap: wrap; gap: 6px; padding: 8px 12px; background: #fff; border-top: 1px solid #eaeef2; }",
    ".chips:empty { display: none; }",
    ".chip { border: 1px solid #14532d; background: #fff; color: #14532d; border-radius: 16px; padding: 5px 11px; font-size: 13px; cursor: pointer; text-align: left; }",
    ".chip:hover { background: #ecfdf3; }",
    "form { display: flex; gap: 8px; padding: 10px 12px 12px; background: #fff; border-top: 1px solid #eaeef2; }",
    "input { flex: 1; min-width: 0; padding: 9px 11px; border: 1px solid #8c959f; border-radius: 8px; font-size: 15px; color: #1d2329; background: #fff; }",
    ".send { border: 0; border-radius: 8px; padding: 9px 14px; background: #14532d; color: #fff; font-size: 15px; font-weight: 600; cursor: pointer; }",
    ".send:disabled { opacity: .6; cursor: default; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }"
  ].join("\n");

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function styleSheet(root) {
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (ignored) { /* older browsers: fall back to a style element */ }
    }
    root.appendChild(element("style", {}, CSS));
  }

  function build() {
    var host = element("div", { id: "career-chatbot-widget" });
    var root = host.attachShadow({ mode: "open" });
    styleSheet(root);

    var frame = element("div", { "class": "ccb" });
    var panel = element("section", { "class": "panel", id: "ccb-panel", role: "dialog", "aria-labelledby": "ccb-title", hidden: "" });
    var header = element("header");
    header.appendChild(element("h2", { id: "ccb-title" }, title));
    var close = element("button", { type: "button", "class": "close", "aria-label": "Close the chat" }, "\u00d7");
    header.appendChild(close);

    var log = element("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    var chips = element("div", { "class": "chips", role: "group", "aria-label": "Suggested questions" });
    var form = element("form", { "aria-label": "Ask a question" });
    var label = element("label", { "for": "ccb-input", "class": "sr-only" }, "Your question");
    var input = element("input", { id: "ccb-input", type: "text", autocomplete: "off", maxlength: String(MAX_CHARS), placeholder: "Type a question\u2026" });
    var send = element("button", { type: "submit", "class": "send" }, "Send");
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(chips);
    panel.appendChild(form);

    var launcher = element("button", { type: "button", "class": "launcher", "aria-expanded": "false", "aria-controls": "ccb-panel" }, "Ask about technician careers");
    frame.appendChild(panel);
    frame.appendChild(launcher);
    root.appendChild(frame);
    document.body.appendChild(host);
    return { panel: panel, close: close, log: log, chips: chips, form: form, input: input, send: send, launcher: launcher };
  }

  function start() {
    var ui = build();
    var sessionId = null;
    var busy = false;
    var greeted = false;
    var asked = false;

    function say(kind, text) {
      var speaker = { user: "You: ", bot: "Assistant: ", error: "Problem: " }[kind] || "";
      var bubble = element("div", { "class": "msg " + kind });
      if (speaker) bubble.appendChild(element("span", { "class": "sr-only" }, speaker));
      bubble.appendChild(document.createTextNode(text));
      ui.log.appendChild(bubble);
      // Show an answer from its first line; anything else, the end of the conversation.
      ui.log.scrollTop = kind === "bot" ? bubble.offsetTop - 12 : ui.log.scrollHeight;
      return bubble;
    }

    function offer(questions) {
      ui.chips.replaceChildren();
      (questions || []).forEach(function (question) {
        var chip = element("button", { type: "button", "class": "chip" }, question);
        chip.addEventListener("click", function () { ui.input.focus(); ask(question); });
        ui.chips.appendChild(chip);
      });
    }

    function post(text, retried) {
      var body = { message: text };
      if (sessionId) body.session_id = sessionId;
      return fetch(chatUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) return data;
          if (response.status === 404 && data.error === "unknown_session" && !retried) {
            sessionId = null;  // the service forgot this conversation: carry on in a new one
            return post(text, true);
          }
          throw new Error(data.message || "The chat service answered with status " + response.status + ".");
        });
      });
    }

    function ask(text) {
      text = text.trim();
      if (!text || busy) return;
      busy = asked = true;
      ui.send.disabled = true;
      ui.log.setAttribute("aria-busy", "true");
      say("user", text);
      offer([]);
      var typing = say("typing", "Thinking\u2026");
      typing.setAttribute("aria-hidden", "true");
      post(text).then(function (data) {
        sessionId = data.session_id;
        typing.remove();
        offer(data.suggestions);  // first, so the answer is scrolled into the space the chips leave
        say("bot", data.body || data.text);  // the suggestions are the chips, not repeated in the text
      }).catch(function (error) {
        typing.remove();
        var reason = error instanceof TypeError ? "The chat service could not be reached. Please try again." : error.message;
        say("error", reason);
      }).then(function () {
        busy = false;
        ui.send.disabled = false;
        ui.log.removeAttribute("aria-busy");
      });
    }

    function greet() {
      greeted = true;
      say("bot", "Hello! I answer questions about becoming a production technician: the job, the steps into it, the duties and the skills. Type a question or pick one below.");
      fetch(topicsUrl).then(function (response) {
        return response.ok ? response.json() : { topics: [] };
      }).then(function (data) {
        if (asked) return;
        offer(data.topics.map(function (topic) { return topic.question; }).filter(Boolean));
      }).catch(function () { /* the menu is a convenience; typing still works */ });
    }

    function open() {
      ui.panel.hidden = false;
      ui.launcher.setAttribute("aria-expanded", "true");
      if (!greeted) greet();
      ui.input.focus();
    }

    function shut() {
      ui.panel.hidden = true;
      ui.launcher.setAttribute("aria-expanded", "false");
      ui.launcher.focus();
    }

    ui.launcher.addEventListener("click", function () { if (ui.panel.hidden) open(); else shut(); });
    ui.close.addEventListener("click", shut);
    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); shut(); }
    });
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      var text = ui.input.value;
      ui.input.value = "";
      ask(text);
    });
    if (settings.open === "true") open();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
