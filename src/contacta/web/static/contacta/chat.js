/* The customer's chat: pre-chat form, live thread, reconnect without loss or duplicates. */
"use strict";
(function () {
  var C = window.Contacta, el = C.el, gettext = C.t;
  var cfg = JSON.parse(document.getElementById("chat-config").textContent);
  var tokenKey = "contacta.visitor." + cfg.inboxKey;
  var outboxKey = "contacta.outbox." + cfg.inboxKey;
  var token = localStorage.getItem(tokenKey);
  var seen = {}, lastId = 0, sock = null, closed = false;
  var $ = function (id) { return document.getElementById(id); };
  var outbox = JSON.parse(localStorage.getItem(outboxKey) || "[]");

  function saveOutbox() { localStorage.setItem(outboxKey, JSON.stringify(outbox)); }
  function showError(id, msg) { $(id).textContent = msg || ""; }

  function renderMessage(m) {
    if (seen[m.id]) { return; }
    seen[m.id] = true;
    lastId = Math.max(lastId, m.id);
    outbox = outbox.filter(function (p) { return p.client_id !== m.client_id || !m.client_id; });
    saveOutbox();
    var pending = m.client_id && document.querySelector('[data-client-id="' + m.client_id + '"]');
    if (pending) { pending.remove(); }
    var who = m.direction === "in" ? "me" : (m.direction === "system" ? "system" : "agent");
    var body = m.body === "customer_left" ? gettext("You left the chat.") : m.body;
    var li = el("li", { class: "msg " + who, "data-id": String(m.id) }, [
      who === "agent" && m.sender ? el("span", { class: "sender", text: m.sender }) : null,
      el("span", { class: "body", text: body }),
      el("span", { class: "attachments" }, m.attachments.map(C.attachmentNode)),
      el("span", { class: "meta" }, [C.time(m.created_at), who === "me" ? el("span", { class: "mark", text: markFor(m.status) }) : null])
    ]);
    $("messages").appendChild(li);
    li.scrollIntoView({ block: "end" });
    if (who === "agent") { ack(); }
  }

  function markFor(status) {
    return { pending: "…", sent: "✓", delivered: "✓✓", read: "✓✓ " + gettext("read") , failed: "⚠" }[status] || "";
  }

  function ack() {
    if (!sock || !lastId) { return; }
    sock.send({ type: "ack", up_to_id: lastId, status: document.visibilityState === "visible" ? "read" : "delivered" });
  }
  document.addEventListener("visibilitychange", ack);

  function setClosed(isClosed) {
    closed = isClosed;
    $("composer").classList.toggle("hidden", isClosed);
    $("end-chat").classList.toggle("hidden", isClosed);
    $("new-chat").classList.toggle("hidden", !isClosed);
    if (isClosed) { $("chat-status").textContent = gettext("Chat closed"); $("queue-info").classList.add("hidden"); }
  }

  function showPlace(place) {
    var info = $("queue-info");
    info.classList.remove("hidden");
    info.textContent = interpolate(gettext("You are number %(position)s in the queue. Estimated wait: %(minutes)s min."), { position: place.position, minutes: Math.max(1, Math.round(place.estimated_wait_s / 60)) }, true);
  }

  function onEvent(ev) {
    switch (ev.type) {
      case "hello":
        ev.messages.forEach(renderMessage);
        setClosed(ev.conversation.status === "closed");
        if (ev.queue) { showPlace(ev.queue); }
        if (ev.conversation.status === "assigned") { $("chat-status").textContent = gettext("Connected with an agent"); $("queue-info").classList.add("hidden"); }
        outbox.forEach(function (p) { sock.send(p); });  // resend what the server may not have
        break;
      case "message.created": renderMessage(ev.message); break;
      case "queue.position": showPlace(ev); break;
      case "conversation.assigned":
        $("queue-info").classList.add("hidden");
        $("chat-status").textContent = interpolate(gettext("%(name)s joined the chat"), { name: ev.conversation.agent_name || gettext("An agent") }, true);
        break;
      case "conversation.transferred":
        $("chat-status").textContent = gettext("Transferring you to another agent…"); break;
      case "conversation.closed": setClosed(true); break;
      case "typing": $("typing").classList.toggle("hidden", !ev.is_typing); break;
      case "message.status":
        document.querySelectorAll("#messages li.me").forEach(function (li) {
          if (Number(li.dataset.id) <= ev.up_to_id) { li.querySelector(".mark").textContent = markFor(ev.status); li.dataset.status = ev.status; }
        });
        break;
      case "error": showError("chat-error", ev.message); break;
    }
  }

  function connect() {
    $("prechat").classList.add("hidden");
    $("thread").classList.remove("hidden");
    sock = C.socket("/ws/chat/" + encodeURIComponent(cfg.inboxKey) + "/", {
      onOpen: function () { sock.send({ type: "hello", token: token, after_id: lastId }); },
      onEvent: onEvent,
      onStatus: function (up) { document.body.dataset.connected = up ? "1" : "0"; }
    });
    window.contactaChatSocket = sock;
  }

  function send(body, attachmentIds) {
    var frame = { type: "message", client_id: C.uuid(), body: body, attachment_ids: attachmentIds || [] };
    outbox.push(frame); saveOutbox();
    $("messages").appendChild(el("li", { class: "msg me pending", "data-client-id": frame.client_id }, [el("span", { class: "body", text: body }), el("span", { class: "meta", text: "…" })]));
    sock.send(frame);
  }

  $("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = $("body").value.trim();
    if (!body) { return; }
    if (body.length > cfg.maxChars) { showError("chat-error", gettext("The message is too long.")); return; }
    showError("chat-error", "");
    send(body);
    $("body").value = "";
    sock.send({ type: "typing", is_typing: false });
  });
  $("body").addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("composer").requestSubmit(); } });
  var typingTimer = null;
  $("body").addEventListener("input", function () {
    if (!sock) { return; }
    if (!typingTimer) { sock.send({ type: "typing", is_typing: true }); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { sock.send({ type: "typing", is_typing: false }); typingTimer = null; }, 2000);
  });
  $("file").addEventListener("change", function () {
    var f = $("file").files[0];
    if (!f) { return; }
    if (f.size > cfg.maxUpload) { showError("chat-error", gettext("The file is too large.")); return; }
    var form = new FormData(); form.append("file", f);
    C.api("POST", "/webchat/" + encodeURIComponent(cfg.inboxKey) + "/attachments", form, { "X-Visitor-Token": token })
      .then(function (att) { send("", [att.id]); })
      .catch(function (err) { showError("chat-error", err.message); })
      .finally(function () { $("file").value = ""; });
  });
  $("end-chat").addEventListener("click", function () { if (sock) { sock.send({ type: "leave" }); } });
  $("new-chat").addEventListener("click", function () { start({ visitor_token: token }); });

  function start(payload) {
    return C.api("POST", "/webchat/" + encodeURIComponent(cfg.inboxKey) + "/conversations", payload).then(function (res) {
      var resumed = token === res.visitor_token;
      token = res.visitor_token;
      localStorage.setItem(tokenKey, token);
      if (sock && resumed) { seen = {}; lastId = 0; $("messages").textContent = ""; setClosed(false); $("chat-status").textContent = ""; sock.send({ type: "hello", token: token, after_id: 0 }); }
      else { connect(); }
    });
  }

  C.api("GET", "/webchat/" + encodeURIComponent(cfg.inboxKey)).then(function (info) {
    if (token) { connect(); return; }
    var select = $("prechat").querySelector("select[name=topic]");
    if (!info.topics.length) { select.parentNode.classList.add("hidden"); }
    info.topics.forEach(function (topic) { select.appendChild(el("option", { value: topic, text: topic })); });
    if (!info.pre_chat_form) { start({}); return; }
    $("prechat").classList.remove("hidden");
  }).catch(function (err) { $("chat-status").textContent = err.message; });

  $("prechat").addEventListener("submit", function (e) {
    e.preventDefault();
    var f = e.target, contact = f.contact.value.trim();
    var payload = { name: f.name.value.trim(), topic: f.topic.value || "" };
    if (contact.indexOf("@") > 0) { payload.email = contact; } else if (contact) { payload.phone = contact; }
    start(payload).catch(function (err) { showError("prechat-error", err.message); });
  });
})();
