/*
 * career-chatbot web chat widget. Embed it with one tag, pointing at the chatbot service:
 *
 *   <script src="https://chat.example.com/widget.js" defer></script>
 *
 * Optional attributes on that tag: data-title (the panel's heading), data-color (the accent colour),
 * data-position ("left" or "right", the corner), data-greeting (said first, instead of the guide's
 * greeting), data-launcher (the button's label) and data-open="true" (start open). The host page can
 * also set the CSS custom properties listed in CSS below (--ccb-accent, --ccb-font...).
 *
 * The widget talks to /v1/config, /v1/chat and /v1/feedback next to the script's own address. The
 * greeting, the starter questions and the question limit come from the service. The session id and
 * the transcript are kept in sessionStorage, so the conversation survives a reload of the page (and
 * goes on in the service: follow-ups still work). Every piece of text goes on the page as text
 * (textContent), never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = script && script.src ? script.src : location.href;
  var urls = {
    config: new URL("v1/config", base).href,
    chat: new URL("v1/chat", base).href,
    feedback: new URL("v1/feedback", base).href
  };
  var options = script ? script.dataset : {};
  var STORE_KEY = "career-chatbot:" + urls.chat;
  var KEPT_MESSAGES = 60;
  var SVG = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: "M5 5h14a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-7l-5 4v-4H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z",
    close: "M6 6l12 12M18 6L6 18",
    restart: "M4.5 12a7.5 7.5 0 1 0 2.2-5.3M4.5 4v4h4",
    send: "M4 12l16-8-6 16-2.5-6.5z",
    up: "M7 11v9H4v-9h3zm0 0l4-7c1.2 0 2 .9 2 2v3h5a2 2 0 0 1 2 2.3l-1.1 6.5A2 2 0 0 1 16.9 20H7"  // "down" turns it over
  };

  // Every colour, size and font is a custom property with a default, so a help desk can restyle the
  // widget from its own CSS (on #career-chatbot-widget or any ancestor); data-color sets the accent.
  var CSS = [
    ":host { all: initial; }",
    ".ccb { --accent: var(--ccb-accent, #14532d); --accent-text: var(--ccb-accent-text, #ffffff);",
    "  --surface: var(--ccb-surface, #ffffff); --canvas: var(--ccb-canvas, #f4f6f8); --text: var(--ccb-text, #1c2127);",
    "  --muted: var(--ccb-muted, #57606a); --line: var(--ccb-line, #d8dee4); --bot: var(--ccb-bot-bubble, #ffffff);",
    "  --focus: var(--ccb-focus, #b45309); --radius: var(--ccb-radius, 16px);",
    "  position: fixed; right: 20px; bottom: 20px; z-index: var(--ccb-z-index, 2147483000);",
    "  font-family: var(--ccb-font, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);",
    "  font-size: 15px; line-height: 1.5; color: var(--text); display: flex; flex-direction: column; align-items: flex-end; }",
    ".ccb.left { right: auto; left: 20px; align-items: flex-start; }",
    ".ccb *, .ccb *::before, .ccb *::after { box-sizing: border-box; font-family: inherit; }",
    ".ccb [hidden] { display: none !important; }",
    "button { font: inherit; color: inherit; cursor: pointer; }",
    ":focus { outline: none; }",
    "button:focus-visible, .log:focus-visible, .ccb[data-input='keyboard'] input:focus { outline: 3px solid var(--focus); outline-offset: 2px; }",
    ".log:focus-visible { outline-offset: -3px; }",
    "svg { width: 20px; height: 20px; flex: none; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }",
    ".launcher { display: inline-flex; align-items: center; gap: 10px; border: 0; border-radius: 999px; padding: 14px 20px 14px 16px;",
    "  background: var(--accent); color: var(--accent-text); font-size: 15px; font-weight: 600;",
    "  box-shadow: 0 6px 20px rgba(15, 23, 42, .25); transition: transform .15s ease, box-shadow .15s ease; }",
    ".launcher:hover { transform: translateY(-1px); box-shadow: 0 10px 26px rgba(15, 23, 42, .3); }",
    ".launcher svg { width: 22px; height: 22px; }",
    ".panel { display: flex; flex-direction: column; width: var(--ccb-width, 380px); max-width: calc(100vw - 40px);",
    "  height: var(--ccb-height, 600px); max-height: calc(100vh - 40px); background: var(--surface);",
    "  border-radius: var(--radius); box-shadow: 0 12px 40px rgba(15, 23, 42, .22), 0 2px 6px rgba(15, 23, 42, .08); overflow: hidden; }",
    "header { display: flex; align-items: center; gap: 12px; padding: 14px 12px 14px 16px; background: var(--accent); color: var(--accent-text); }",
    ".avatar { display: grid; place-items: center; width: 38px; height: 38px; border-radius: 50%; background: rgba(255, 255, 255, .18); flex: none; }",
    ".heading { flex: 1; min-width: 0; }",
    "h2 { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3; }",
    ".status { margin: 2px 0 0; min-height: 1.5em; font-size: 13px; opacity: .95; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
    ".tool { display: grid; place-items: center; width: 36px; height: 36px; border: 0; border-radius: 10px; background: transparent; color: var(--accent-text); }",
    ".tool:hover { background: rgba(255, 255, 255, .16); }",
    ".log { position: relative; flex: 1; overflow-y: auto; padding: 16px 14px 8px; display: flex; flex-direction: column; gap: 10px;",
    "  background: var(--canvas); overscroll-behavior: contain; }",
    ".msg { max-width: 86%; padding: 10px 14px; border-radius: 18px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".answer { align-self: flex-start; display: flex; flex-direction: column; gap: 4px; max-width: 90%; }",
    ".answer .msg { max-width: 100%; background: var(--bot); border: 1px solid var(--line); border-bottom-left-radius: 6px; }",
    ".msg.user { align-self: flex-end; background: var(--accent); color: var(--accent-text); border-bottom-right-radius: 6px; }",
    ".msg.error { align-self: stretch; max-width: 100%; background: #fff4e5; border: 1px solid #e8a33d; color: #5c3600; border-radius: 12px; }",
    ".retry { display: block; margin-top: 8px; border: 1px solid #8a5300; border-radius: 999px; padding: 4px 14px; background: #ffffff; color: #5c3600; font-weight: 600; font-size: 14px; }",
    ".typing { align-self: flex-start; display: inline-flex; gap: 5px; padding: 14px 16px; background: var(--bot); border: 1px solid var(--line); border-radius: 18px; border-bottom-left-radius: 6px; }",
    ".typing i { width: 7px; height: 7px; border-radius: 50%; background: var(--muted); animation: ccb-dot 1.2s infinite ease-in-out; }",
    ".typing i:nth-child(2) { animation-delay: .15s; } .typing i:nth-child(3) { animation-delay: .3s; }",
    "@keyframes ccb-dot { 0%, 60%, 100% { opacity: .35; transform: translateY(0); } 30% { opacity: 1; transform: translateY(-3px); } }",
    ".rating { display: flex; align-items: center; gap: 2px; min-height: 28px; padding-left: 4px; color: var(--muted); font-size: 13px; }",
    ".rate { display: grid; place-items: center; width: 30px; height: 28px; border: 0; border-radius: 8px; background: transparent; color: var(--muted); }",
    ".rate svg { width: 17px; height: 17px; }",
    ".rate:hover { background: #e6eaee; color: var(--text); }",
    ".rate[aria-pressed='true'] { color: var(--accent); background: #e6eaee; }",
    ".rate[aria-pressed='true'] svg { fill: currentColor; fill-opacity: .18; }",
    ".rate:disabled { cursor: default; }",
    ".thanks { margin-left: 6px; }",
    ".chips { display: flex; flex-wrap: wrap; justify-content: flex-end; gap: 6px; margin: 2px 0 4px 12%; }",
    ".chips:empty { display: none; }",
    ".chip { border: 1px solid var(--accent); background: var(--surface); color: var(--accent); border-radius: 999px; padding: 5px 12px; font-size: 14px; text-align: left; line-height: 1.35; }",
    ".chip:hover { background: var(--accent); color: var(--accent-text); }",
    "form { display: flex; align-items: center; gap: 8px; margin: 0; padding: 10px 12px 12px; background: var(--canvas); }",
    ".composer { flex: 1; display: flex; align-items: center; gap: 6px; background: var(--surface); border: 1px solid #8c959f; border-radius: 999px; padding: 4px 4px 4px 16px; transition: border-color .15s ease, box-shadow .15s ease; }",
    ".composer:focus-within { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }",
    "input { flex: 1; min-width: 0; border: 0; padding: 8px 0; background: transparent; color: var(--text); font-size: 15px; }",
    "input::placeholder { color: var(--muted); opacity: 1; }",
    ".send { display: grid; place-items: center; width: 38px; height: 38px; border: 0; border-radius: 50%; background: var(--accent); color: var(--accent-text); }",
    ".send:disabled { opacity: .55; cursor: default; }",
    ".count { font-size: 12px; color: var(--muted); padding-right: 6px; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }",
    "@media (max-width: 480px) {",
    "  .ccb, .ccb.left { right: 16px; left: auto; bottom: 16px; }",
    "  .ccb.open { inset: 0; }",
    "  .ccb.open .panel { width: 100%; max-width: none; height: 100%; max-height: none; border-radius: 0; }",
    "  .launcher { padding: 14px; } .launcher .label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    "}",
    "@media (prefers-reduced-motion: reduce) { .typing i, .launcher { animation: none; transition: none; } }"
  ].join("\n");

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function icon(name) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", ICONS[name === "down" ? "up" : name]);
    if (name === "down") path.setAttribute("transform", "rotate(180 12 12)");
    svg.appendChild(path);
    return svg;
  }

  function iconButton(name, label, className) {
    var button = element("button", { type: "button", "class": className, "aria-label": label, title: label });
    button.appendChild(icon(name));
    return button;
  }

  // The accent colour from data-color, with the text colour that reads on it (WCAG luminance).
  function accentRules(root) {
    var color = options.color;
    if (!color || !window.CSS || !window.CSS.supports("color", color)) return "";  // (CSS is our own sheet here)
    var probe = element("span");
    probe.style.color = color;
    root.appendChild(probe);
    var rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || [0, 0, 0]).slice(0, 3).map(function (v) {
      v = Number(v) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    probe.remove();
    var luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    var text = (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#111111" : "#ffffff";
    return ":host { --ccb-accent: " + color + "; --ccb-accent-text: " + text + "; }";
  }

  function styleSheet(root) {
    var css = CSS + "\n" + accentRules(root);
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (ignored) { /* older browsers: fall back to a style element */ }
    }
    root.appendChild(element("style", {}, css));
  }

  function build() {
    var host = element("aside", { id: "career-chatbot-widget", "aria-label": "Chat" });
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: "open" });
    styleSheet(root);

    var frame = element("div", { "class": "ccb" + (options.position === "left" ? " left" : "") });
    var panel = element("section", { "class": "panel", id: "ccb-panel", role: "dialog", "aria-labelledby": "ccb-title", hidden: "" });
    var header = element("header");
    var avatar = element("span", { "class": "avatar" });
    avatar.appendChild(icon("chat"));
    var heading = element("div", { "class": "heading" });
    var title = element("h2", { id: "ccb-title" }, options.title || "Chat");
    var status = element("p", { "class": "status" });
    heading.appendChild(title);
    heading.appendChild(status);
    var restart = iconButton("restart", "Start a new conversation", "tool");
    var close = iconButton("close", "Close the chat", "tool");
    [avatar, heading, restart, close].forEach(function (node) { header.appendChild(node); });

    var log = element("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
    var chips = element("div", { "class": "chips", role: "group", "aria-label": "Suggested questions" });
    var form = element("form", { "aria-label": "Ask a question" });
    var composer = element("div", { "class": "composer" });
    var label = element("label", { "for": "ccb-input", "class": "sr-only" }, "Your question");
    var input = element("input", { id: "ccb-input", type: "text", autocomplete: "off", enterkeyhint: "send", placeholder: "Type your question\u2026" });
    var count = element("span", { "class": "count", "aria-live": "polite", hidden: "" });
    var send = iconButton("send", "Send", "send");
    send.type = "submit";
    [label, input, count].forEach(function (node) { composer.appendChild(node); });
    form.appendChild(composer);
    form.appendChild(send);
    log.appendChild(chips);
    [header, log, form].forEach(function (node) { panel.appendChild(node); });

    var launcher = element("button", { type: "button", "class": "launcher", "aria-expanded": "false", "aria-controls": "ccb-panel" });
    launcher.appendChild(icon("chat"));
    launcher.appendChild(element("span", { "class": "label" }, options.launcher || "Ask a question"));
    frame.appendChild(panel);
    frame.appendChild(launcher);
    root.appendChild(frame);
    // Focus rings only for keyboard users. Buttons follow the browser's own :focus-visible; a text
    // field always matches it, so the field's ring waits for Tab (a click or a tap never shows it).
    document.addEventListener("keydown", function (event) {
      if (event.key === "Tab") frame.setAttribute("data-input", "keyboard");
    }, true);
    document.addEventListener("pointerdown", function () { frame.setAttribute("data-input", "pointer"); }, true);
    return { frame: frame, panel: panel, status: status, restart: restart, close: close, log: log, chips: chips,
             form: form, input: input, count: count, send: send, launcher: launcher };
  }

  // --- what survives a reload: the session id, the transcript, the chips, whether it was open ------
  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && saved.v === 1 && Array.isArray(saved.messages)) return saved;
    } catch (ignored) { /* storage blocked or unreadable: start afresh */ }
    return null;
  }

  function save(state) {
    try {
      state.messages = state.messages.slice(-KEPT_MESSAGES);
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (ignored) { /* storage full or blocked: the conversation goes on, unsaved */ }
  }

  function start() {
    var ui = build();
    var state = load() || { v: 1, sessionId: null, open: false, messages: [], chips: [] };
    var config = null;
    var busy = false;

    function request(url, body) {
      return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (response.ok) return data;
            var error = new Error(data.message || "The chat service answered with status " + response.status + ".");
            error.status = response.status;
            error.code = data.error;
            throw error;
          });
        });
    }

    function reason(error) {
      return error instanceof TypeError ? "The chat service could not be reached. Please try again." : error.message;
    }

    // Show the newest exchange: the question at the top if question and answer do not both fit.
    function reveal(first) {
      var log = ui.log;
      var bottom = log.scrollHeight - log.clientHeight;
      log.scrollTop = first ? Math.min(first.offsetTop - 12, bottom) : bottom;
    }

    function bubble(kind, text) {
      var speaker = { user: "You: ", bot: "Assistant: ", error: "Problem: " }[kind];
      var node = element("div", { "class": "msg " + kind });
      node.appendChild(element("span", { "class": "sr-only" }, speaker));
      node.appendChild(document.createTextNode(text));
      return node;
    }

    function rating(message) {
      var row = element("div", { "class": "rating", role: "group", "aria-label": "Was this answer helpful?" });
      var buttons = [["up", "Helpful"], ["down", "Not helpful"]].map(function (choice) {
        var button = iconButton(choice[0], choice[1], "rate");
        button.setAttribute("aria-pressed", String(message.rating === choice[0]));
        button.addEventListener("click", function () { rate(message, choice[0], buttons, row); });
        row.appendChild(button);
        return button;
      });
      if (message.rating) thank(row, buttons);
      return row;
    }

    function thank(row, buttons) {
      buttons.forEach(function (button) { button.disabled = true; });
      if (!row.querySelector(".thanks")) row.appendChild(element("span", { "class": "thanks" }, "Thanks for your feedback"));
    }

    function rate(message, choice, buttons, row) {
      if (message.rating) return;
      message.rating = choice;
      buttons.forEach(function (button, index) { button.setAttribute("aria-pressed", String(["up", "down"][index] === choice)); });
      thank(row, buttons);
      save(state);
      request(urls.feedback, { question: message.question, intent: message.intent, confidence: message.confidence,
                               rating: choice, session_id: state.sessionId }).catch(function () {
        message.rating = null;  // not recorded: let the visitor try again
        save(state);
        row.replaceWith(rating(message));
      });
    }

    // Draw one message of the transcript (`message` is what is saved for it).
    function draw(message) {
      if (message.kind === "user") {
        ui.log.appendChild(bubble("user", message.text));
        return ui.log.lastChild;
      }
      var group = element("div", { "class": "answer" });
      group.appendChild(bubble("bot", message.text));
      if (message.intent) group.appendChild(rating(message));
      ui.log.appendChild(group);
      return group;
    }

    function remember(message) {
      state.messages.push(message);
      save(state);
      return draw(message);
    }

    function offer(questions) {
      state.chips = questions || [];
      save(state);
      ui.chips.replaceChildren();
      ui.log.appendChild(ui.chips);  // the latest reply's suggestions follow it
      state.chips.forEach(function (question) {
        var chip = element("button", { type: "button", "class": "chip" }, question);
        chip.addEventListener("click", function () { ui.input.focus(); ask(question); });
        ui.chips.appendChild(chip);
      });
    }

    function failure(error, retry) {
      var node = bubble("error", reason(error));
      var again = element("button", { type: "button", "class": "retry" }, "Try again");
      again.addEventListener("click", function () { node.remove(); ui.input.focus(); retry(); });
      node.appendChild(again);
      ui.log.appendChild(node);
      reveal(null);
    }

    function typing() {
      var dots = element("div", { "class": "typing", "aria-hidden": "true" });
      dots.appendChild(element("i"));
      dots.appendChild(element("i"));
      dots.appendChild(element("i"));
      ui.log.appendChild(dots);
      reveal(null);
      return dots;
    }

    function post(text, retried) {
      var body = { message: text };
      if (state.sessionId) body.session_id = state.sessionId;
      return request(urls.chat, body).catch(function (error) {
        if (error.code === "unknown_session" && !retried) {
          state.sessionId = null;  // the service forgot this conversation: carry on in a new one
          return post(text, true);
        }
        throw error;
      });
    }

    function ask(text, again) {
      text = text.trim();
      if (!text || busy) return;
      busy = true;
      ui.send.disabled = true;
      ui.log.setAttribute("aria-busy", "true");
      var chipsBefore = state.chips;
      var question = again || remember({ kind: "user", text: text });
      offer([]);
      var dots = typing();
      post(text).then(function (data) {
        state.sessionId = data.session_id;
        dots.remove();
        remember({ kind: "bot", text: data.body || data.text, question: text, intent: data.intent,
                   confidence: data.confidence, rating: null });
        offer(data.suggestions);  // the suggestions are the chips, not repeated in the text
        reveal(question);
      }).catch(function (error) {
        dots.remove();
        failure(error, function () { ask(text, question); });
        offer(chipsBefore);  // what could be asked before still can
      }).then(function () {
        busy = false;
        ui.send.disabled = false;
        ui.log.removeAttribute("aria-busy");
      });
    }

    function configure() {
      return fetch(urls.config).then(function (response) {
        if (!response.ok) throw new Error("The chat service answered with status " + response.status + ".");
        return response.json();
      }).then(function (data) {
        config = data;
        ui.status.textContent = "About " + data.subject;
        ui.input.maxLength = data.max_question_chars;
        return data;
      });
    }

    function greet() {
      if (state.messages.length) return;
      var greeting = options.greeting || (config.greeting + " " + config.covers);
      remember({ kind: "bot", text: greeting });
      offer(config.starters);
      reveal(null);
    }

    var greeted = null;  // the first greeting, once the service's config has come

    function begin() {
      greeted = configure().then(greet).catch(function (error) { failure(error, begin); });
    }

    function open() {
      ui.panel.hidden = false;
      ui.launcher.hidden = true;
      ui.frame.classList.add("open");
      ui.launcher.setAttribute("aria-expanded", "true");
      state.open = true;
      save(state);
      if (!config) begin();
      ui.input.focus();
      var questions = ui.log.querySelectorAll(".msg.user");
      reveal(questions.length ? questions[questions.length - 1] : null);
    }

    function shut() {
      ui.panel.hidden = true;
      ui.launcher.hidden = false;
      ui.frame.classList.remove("open");
      ui.launcher.setAttribute("aria-expanded", "false");
      state.open = false;
      save(state);
      ui.launcher.focus();
    }

    function restart() {
      state = { v: 1, sessionId: null, open: true, messages: [], chips: [] };
      save(state);
      ui.log.replaceChildren(ui.chips);
      offer([]);
      if (config) greet(); else begin();
      ui.input.focus();
    }

    function counter() {
      var limit = config ? config.max_question_chars : 0;
      var used = ui.input.value.length;
      ui.count.hidden = !limit || used < limit * 0.8;
      ui.count.textContent = used + "/" + limit;
    }

    state.messages.forEach(draw);
    offer(state.chips);
    ui.launcher.addEventListener("click", open);
    ui.close.addEventListener("click", shut);
    ui.restart.addEventListener("click", restart);
    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); shut(); }
    });
    ui.input.addEventListener("input", counter);
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      var text = ui.input.value;
      ui.input.value = "";
      counter();
      if (!config && greeted) greeted.then(function () { ask(text); });  // asked before the greeting came
      else ask(text);
    });
    if (state.open || options.open === "true") open();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
