/* The agent desktop: state, live offers, several chats side by side, contact card, close. */
"use strict";
(function () {
  var C = window.Contacta, el = C.el, gettext = C.t;
  var cfg = JSON.parse(document.getElementById("desktop-config").textContent);
  var base = "/tenants/" + cfg.tenant;
  var me = null, panels = {}, offers = {}, sock = null;
  var $ = function (id) { return document.getElementById(id); };

  function stateLabel(s) {
    if (s.status === "available") { return gettext("Available"); }
    if (s.status === "offline") { return gettext("Offline"); }
    var reason = (me.aux_reasons.filter(function (a) { return a.code === s.reason; })[0] || {}).label;
    return reason || (s.reason === "rona" ? gettext("Not ready (missed offer)") : s.reason);
  }

  function renderState(agent) {
    me.agent = agent;
    var select = $("agent-state");
    select.textContent = "";
    var options = [["available", "", gettext("Available")]];
    me.aux_reasons.forEach(function (a) { options.push(["aux", a.code, a.label]); });
    if (agent.status === "aux" && !me.aux_reasons.some(function (a) { return a.code === agent.reason; })) { options.push(["aux", agent.reason, stateLabel(agent)]); }
    options.push(["offline", "", gettext("Offline")]);
    options.forEach(function (o) {
      var opt = el("option", { value: o[0] + ":" + o[1], text: o[2] });
      if (o[0] === agent.status && (o[0] !== "aux" || o[1] === agent.reason)) { opt.selected = true; }
      select.appendChild(opt);
    });
    document.body.dataset.agentStatus = agent.status;
    var wrap = agent.wrap_up_until && new Date(agent.wrap_up_until) > new Date();
    $("wrapup").classList.toggle("hidden", !wrap);
    if (wrap) { setTimeout(function () { $("wrapup").classList.add("hidden"); }, new Date(agent.wrap_up_until) - new Date()); }
  }

  $("agent-state").addEventListener("change", function (e) {
    var parts = e.target.value.split(":");
    C.api("PUT", base + "/agents/me/state", { status: parts[0], reason: parts[1] || "" })
      .then(renderState).catch(function (err) { alert(err.message); });
  });

  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(); osc.frequency.value = 880; osc.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* audio blocked until the first click: the visual offer is enough */ }
  }

  function showOffer(conv) {
    if (offers[conv.id]) { return; }
    var expires = new Date(conv.offer_expires_at);
    var counter = el("span", { class: "countdown" });
    var voice = conv.channel === "voice";
    var card = el("div", { class: "offer card" + (voice ? " call" : ""), "data-conversation": String(conv.id) }, [
      el("strong", { text: voice ? gettext("Incoming call — answer your phone") : gettext("New conversation") }), " ",
      el("span", { text: (conv.contact.name || gettext("Visitor")) + " · " + (conv.queue ? conv.queue.name : "") }), " ",
      counter,
      voice ? el("span", { class: "caller", text: conv.contact.phone || "" }) :
        el("button", { class: "accept", text: gettext("Accept"), onclick: function () { act(conv.id, "accept"); } }),
      el("button", { class: "reject secondary", text: gettext("Reject"), onclick: function () { act(conv.id, "reject"); } })
    ]);
    offers[conv.id] = { card: card, timer: setInterval(function () { counter.textContent = C.duration((expires - new Date()) / 1000); }, 500) };
    if (voice) {  // who is calling, before the phone is picked up: the contact matched by caller id
      C.api("GET", base + "/contacts/" + conv.contact.id).then(function (c) {
        var earlier = c.conversations.filter(function (h) { return h.id !== conv.id; });
        var last = earlier[0];
        card.appendChild(el("div", { class: "caller-card muted", text: [c.name || c.phone, c.email,
          earlier.length + " " + gettext("earlier conversations"),
          last ? gettext("last") + ": " + last.channel + " · " + (last.disposition || last.status) : ""].filter(Boolean).join(" · ") }));
      }).catch(function () { /* the offer works without the card */ });
    }
    $("offers").appendChild(card);
    beep();
    if (window.Notification && Notification.permission === "granted") {
      new Notification(gettext("New conversation"), { body: conv.contact.name || gettext("Visitor") });
    }
  }

  function dropOffer(id) {
    var o = offers[id];
    if (!o) { return; }
    clearInterval(o.timer); o.card.remove(); delete offers[id];
  }

  function act(id, action) {
    C.api("POST", base + "/conversations/" + id + "/" + action).then(function (conv) {
      dropOffer(id);
      if (action === "accept") { openPanel(conv); }
    }).catch(function (err) { dropOffer(id); alert(err.message); });
  }

  /* "recording_paused:12.3-31.5,40-" → "⏸ Recording paused (PCI): 0:12–0:31, 0:40–end" */
  function pausedNote(body) {
    if (body.indexOf("recording_paused:") !== 0) { return ""; }
    var spans = body.slice(17).split(",").map(function (span) {
      var ends = span.split("-");
      return C.duration(Number(ends[0])) + "–" + (ends[1] ? C.duration(Number(ends[1])) : gettext("end"));
    });
    return "⏸ " + gettext("Recording paused (PCI)") + ": " + spans.join(", ");
  }

  function markFor(status) { return { pending: "…", sent: "✓", delivered: "✓✓", read: "✓✓ " + gettext("read"), failed: "⚠ " + gettext("not sent") }[status] || ""; }

  function addMessage(panel, m) {
    if (panel.seen[m.id]) { return; }
    panel.seen[m.id] = true;
    var cls = { "in": "them", "out": "me", "note": "note", "system": "system" }[m.direction];
    var body = { customer_left: gettext("The customer left the chat."), call_recording: "📞 " + gettext("Call recording"), voicemail: "📼 " + gettext("Voicemail left out of hours") }[m.body] || pausedNote(m.body) || m.body;
    var li = el("li", { class: "msg " + cls, "data-id": String(m.id) }, [
      m.direction === "note" ? el("span", { class: "sender", text: gettext("Internal note") + " · " + m.sender }) : null,
      el("span", { class: "body", text: body }),
      el("span", { class: "attachments" }, m.attachments.map(C.attachmentNode)),
      (m.options || []).length ? el("span", { class: "options" }, m.options.map(function (o) { return el("span", { class: "option", text: o }); })) : null,
      el("span", { class: "meta" }, [C.time(m.created_at, cfg.timeZone), m.direction === "out" ? el("span", { class: "mark", text: markFor(m.status) }) : null])
    ]);
    panel.list.appendChild(li);
    li.scrollIntoView({ block: "end" });
    if (m.direction === "in") { panel.lastInbound = Math.max(panel.lastInbound, m.id); markRead(panel); }
  }

  function markRead(panel) {
    if (panel.lastInbound && document.visibilityState === "visible" && panel.conv.status === "assigned") {
      sock.send({ type: "read", conversation_id: panel.conv.id, up_to_id: panel.lastInbound });
    }
  }
  document.addEventListener("visibilitychange", function () { Object.values(panels).forEach(markRead); });

  function dispositionsFor(conv) {
    var q = me.queues.filter(function (x) { return conv.queue && x.id === conv.queue.id; })[0];
    return q ? q.dispositions : [];
  }

  function loadMessages(panel) {  // addMessage skips the ones already shown
    return C.api("GET", base + "/conversations/" + panel.conv.id + "/messages")
      .then(function (ms) { ms.forEach(function (m) { addMessage(panel, m); }); });
  }

  function openPanel(conv) {
    if (panels[conv.id]) {  // a resync after a reconnect: fetch what the socket missed
      panels[conv.id].conv = conv; loadMessages(panels[conv.id]); return panels[conv.id];
    }
    $("no-chats").classList.add("hidden");
    var list = el("ol", { class: "messages" });
    var typing = el("div", { class: "typing hidden", text: gettext("The customer is typing…") });
    var text = el("textarea", { rows: "2", maxlength: "4000", placeholder: gettext("Reply to the customer"), class: "reply" });
    var note = el("input", { type: "checkbox", class: "note-toggle" });
    var file = el("input", { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf,audio/ogg,audio/mpeg,audio/wav,audio/mp4,video/mp4", hidden: "hidden" });
    // Quick-reply options: each channel shows them its own way (buttons, a list, a keyboard).
    var options = el("input", { class: "options-input", maxlength: "260", placeholder: gettext("Options, separated by |") });
    var error = el("p", { class: "error", role: "alert" });
    var transferSelect = el("select", { class: "transfer-target" }, [el("option", { value: "", text: gettext("Transfer to…") })]
      .concat(me.queues.map(function (q) { return el("option", { value: "queue:" + q.id, text: gettext("Queue") + ": " + q.name }); }))
      .concat(me.agents.map(function (a) { return el("option", { value: "agent:" + a.id, text: gettext("Agent") + ": " + a.name }); })));
    var dispo = el("select", { class: "disposition" }, [el("option", { value: "", text: gettext("Disposition…") })]
      .concat(dispositionsFor(conv).map(function (d) { return el("option", { value: d.code, text: d.label + (d.requires_note ? " *" : "") }); })));
    var closeNote = el("input", { class: "close-note", maxlength: "4000", placeholder: gettext("Disposition note") });
    var card = el("aside", { class: "contact-card" }, [el("h4", { text: gettext("Contact") })]);
    var panel = { conv: conv, list: list, seen: {}, lastInbound: 0 };
    function send(ids) {
      var body = text.value.trim();
      if (!body && !ids) { return; }
      var choices = note.checked ? [] : options.value.split("|").map(function (o) { return o.trim(); }).filter(Boolean);
      C.api("POST", base + "/conversations/" + conv.id + "/messages", { body: body, note: note.checked, client_id: C.uuid(), attachment_ids: ids || [], options: choices })
        .then(function () { text.value = ""; options.value = ""; error.textContent = ""; })
        .catch(function (err) { error.textContent = err.message; });
    }
    var form = el("form", { class: "composer", onsubmit: function (e) { e.preventDefault(); send(); } }, [
      text, el("label", { class: "attach", title: gettext("Attach") }, [gettext("Attach"), file]),
      el("label", { class: "note-label" }, [note, " " + gettext("Internal note")]),
      el("button", { type: "submit", class: "send", text: gettext("Send") }),
      options
    ]);
    text.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); } });
    var typingTimer = null;
    text.addEventListener("input", function () {
      if (note.checked) { return; }
      if (!typingTimer) { sock.send({ type: "typing", conversation_id: conv.id, is_typing: true }); }
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { sock.send({ type: "typing", conversation_id: conv.id, is_typing: false }); typingTimer = null; }, 2000);
    });
    file.addEventListener("change", function () {
      if (!file.files[0]) { return; }
      var fd = new FormData(); fd.append("file", file.files[0]);
      C.api("POST", base + "/conversations/" + conv.id + "/attachments", fd).then(function (a) { send([a.id]); })
        .catch(function (err) { error.textContent = err.message; }).finally(function () { file.value = ""; });
    });
    var actions = el("div", { class: "actions" }, [
      transferSelect,
      el("button", { class: "secondary transfer", type: "button", text: gettext("Transfer"), onclick: function () {
        var v = transferSelect.value.split(":");
        if (!v[1]) { return; }
        var payload = {}; payload[v[0] + "_id"] = Number(v[1]);
        C.api("POST", base + "/conversations/" + conv.id + "/transfer", payload).then(function () { closePanel(conv.id); })
          .catch(function (err) { error.textContent = err.message; });
      } }),
      dispo, closeNote,
      el("button", { class: "close-conversation", type: "button", text: gettext("Close"), onclick: function () {
        C.api("POST", base + "/conversations/" + conv.id + "/close", { disposition: dispo.value, note: closeNote.value })
          .then(function () { closePanel(conv.id); }).catch(function (err) { error.textContent = err.message; });
      } })
    ]);
    var callBar = conv.channel === "voice" ? callControls(conv, error) : null;
    if (callBar) { form.classList.add("hidden"); }  // a call is talked, not typed; notes stay in the close box
    panel.node = el("article", { class: "chat-panel card", "data-conversation": String(conv.id) }, [
      el("header", {}, [el("strong", { class: "contact-name", text: conv.contact.name || gettext("Visitor") }), " · ", el("span", { text: conv.queue ? conv.queue.name : "" }), el("span", { class: "status-line muted" })]),
      el("div", { class: "panel-body" }, [el("div", { class: "thread" }, [callBar, list, typing, form, error, actions]), card])
    ]);
    panel.typing = typing; panel.status = panel.node.querySelector(".status-line");
    panels[conv.id] = panel;
    $("chats").appendChild(panel.node);
    loadMessages(panel);
    if (conv.inbox.kind && conv.inbox.kind !== "webchat") { replyOptions(panel, form, error); }
    C.api("GET", base + "/contacts/" + conv.contact.id).then(function (c) {
      card.appendChild(el("p", { text: [c.name, c.email, c.phone].filter(Boolean).join(" · ") || gettext("Unknown") }));
      if (c.phone && me.has_phone) {
        card.appendChild(el("button", { type: "button", class: "small call-contact", text: "📞 " + gettext("Call"), onclick: function () {
          C.api("POST", base + "/contacts/" + c.id + "/call").catch(function (err) { card.appendChild(el("p", { class: "error", text: err.message })); });
        } }));
      }
      card.appendChild(el("h5", { text: gettext("History") }));
      card.appendChild(el("ul", { class: "history" }, c.conversations.filter(function (h) { return h.id !== conv.id; }).map(function (h) {
        return el("li", { text: "#" + h.id + " · " + h.channel + " · " + (h.created_at || "").slice(0, 10) + " · " + (h.disposition || h.status) });
      })));
      var other = el("input", { class: "merge-id", inputmode: "numeric", placeholder: gettext("Contact #"), size: "6" });
      card.appendChild(el("form", { class: "merge", onsubmit: function (e) {
        e.preventDefault();
        C.api("POST", base + "/contacts/" + c.id + "/merge", { other_id: Number(other.value) })
          .then(function () { other.value = ""; card.appendChild(el("p", { class: "muted", text: gettext("Contacts merged.") })); })
          .catch(function (err) { card.appendChild(el("p", { class: "error", text: err.message })); });
      } }, [el("label", { text: gettext("Same person as") }), other, el("button", { type: "submit", class: "small secondary", text: gettext("Merge") })]));
    }).catch(function () { /* the card is a convenience; the chat works without it */ });
    return panel;
  }

  /* A call's controls: the phone answers and hangs up; the desktop holds, mutes, transfers,
     consults, sends digits and pauses the recording while card data is spoken (PCI). */
  function callControls(conv, error) {
    var status = el("span", { class: "call-status" });
    var labels = { ivr: gettext("In the IVR"), queued: gettext("Waiting in queue"), ringing: gettext("Ringing"), connected: gettext("Talking"), held: gettext("On hold"), ended: gettext("Call ended") };
    function refresh() {
      C.api("GET", base + "/conversations/" + conv.id + "/call").then(function (c) {
        status.textContent = "📞 " + (labels[c.status] || c.status) + (c.recording_pauses.some(function (p) { return !p.resumed_at; }) ? " · ⏸ " + gettext("recording paused") : "");
        bar.dataset.callStatus = c.status;
        if (c.status !== "ended" && document.body.contains(bar)) { setTimeout(refresh, 2000); }
      }).catch(function () { /* the call may not exist yet */ });
    }
    function control(action, extra) {
      var payload = Object.assign({ action: action }, extra || {});
      return C.api("POST", base + "/conversations/" + conv.id + "/call", payload)
        .then(function () { error.textContent = ""; setTimeout(refresh, 400); })
        .catch(function (err) { error.textContent = err.message; });
    }
    function toggle(cls, on, off, actionOn, actionOff) {
      var b = el("button", { type: "button", class: "small secondary " + cls, text: on });
      b.addEventListener("click", function () {
        var active = b.dataset.active === "1";
        control(active ? actionOff : actionOn).then(function () { b.dataset.active = active ? "0" : "1"; b.textContent = active ? on : off; });
      });
      return b;
    }
    var digits = el("input", { class: "dtmf", size: "6", maxlength: "32", placeholder: gettext("Digits") });
    var number = el("input", { class: "external-number", size: "12", maxlength: "20", placeholder: gettext("Phone number") });
    var consultee = el("select", { class: "consult-target" }, [el("option", { value: "", text: gettext("Consult agent…") })]
      .concat(me.agents.map(function (a) { return el("option", { value: String(a.id), text: a.name }); })));
    var bar = el("div", { class: "call-controls" }, [
      status,
      toggle("hold", gettext("Hold"), gettext("Resume"), "hold", "unhold"),
      toggle("mute", gettext("Mute"), gettext("Unmute"), "mute", "unmute"),
      el("button", { type: "button", class: "small secondary record", text: gettext("Record"), onclick: function () { control("record_start"); } }),
      toggle("pci", gettext("Pause recording"), gettext("Resume recording"), "record_pause", "record_resume"),
      el("button", { type: "button", class: "small danger hangup", text: gettext("Hang up"), onclick: function () { control("hangup"); } }),
      el("span", { class: "group" }, [digits, el("button", { type: "button", class: "small secondary send-dtmf", text: gettext("Send digits"), onclick: function () { control("dtmf", { digits: digits.value }).then(function () { digits.value = ""; }); } })]),
      el("span", { class: "group" }, [number, el("button", { type: "button", class: "small secondary transfer-number", text: gettext("Transfer to number"), onclick: function () { control("transfer_number", { number: number.value }); } })]),
      el("span", { class: "group" }, [consultee,
        el("button", { type: "button", class: "small secondary consult", text: gettext("Consult"), onclick: function () { control("consult", { agent_id: Number(consultee.value) }); } }),
        el("button", { type: "button", class: "small secondary complete", text: gettext("Complete transfer"), onclick: function () { control("complete"); } }),
        el("button", { type: "button", class: "small secondary conference", text: gettext("Conference"), onclick: function () { control("conference"); } }),
        el("button", { type: "button", class: "small secondary cancel-consult", text: gettext("Cancel"), onclick: function () { control("cancel"); } })])
    ]);
    refresh();
    return bar;
  }

  /* Platform windows (WhatsApp 24 hours): outside them only approved templates may be sent. */
  function replyOptions(panel, form, error) {
    C.api("GET", base + "/conversations/" + panel.conv.id + "/reply-options").then(function (opts) {
      if (opts.free_text) { return; }
      form.classList.add("hidden");
      var pick = el("select", { class: "template" }, [el("option", { value: "", text: gettext("Template…") })]
        .concat(opts.templates.map(function (t) { return el("option", { value: String(t.id), text: t.name + " (" + t.language + ")" }); })));
      var fields = el("span", { class: "template-vars" });
      pick.addEventListener("change", function () {
        fields.textContent = "";
        var t = opts.templates.filter(function (x) { return String(x.id) === pick.value; })[0];
        for (var i = 1; t && i <= t.variables; i++) { fields.appendChild(el("input", { placeholder: "{{" + i + "}}", size: "10" })); }
      });
      var send = el("button", { type: "button", class: "small", text: gettext("Send template"), onclick: function () {
        var values = Array.prototype.map.call(fields.querySelectorAll("input"), function (x) { return x.value; });
        C.api("POST", base + "/conversations/" + panel.conv.id + "/templates", { template_id: Number(pick.value), variables: values })
          .then(function () { error.textContent = ""; }).catch(function (err) { error.textContent = err.message; });
      } });
      form.parentNode.insertBefore(el("div", { class: "window-closed" }, [
        el("p", { class: "muted", text: opts.reason }), pick, fields, send]), form);
    }).catch(function () { /* free text stays available; the server still enforces the rule */ });
  }

  function closePanel(id) {
    var p = panels[id];
    if (p) { p.node.remove(); delete panels[id]; }
    if (!Object.keys(panels).length) { $("no-chats").classList.remove("hidden"); }
  }

  function onEvent(ev) {
    switch (ev.type) {
      case "conversation.offered":
        if (ev.conversation.offered_to_id === me.agent.agent_id) { showOffer(ev.conversation); }
        break;
      case "conversation.offer_revoked": dropOffer(ev.conversation.id); break;
      case "conversation.assigned":
        dropOffer(ev.conversation.id);
        if (ev.conversation.assignee_id === me.agent.agent_id) { openPanel(ev.conversation); }
        break;
      case "conversation.transferred":
        if (ev.conversation.assignee_id !== me.agent.agent_id) { closePanel(ev.conversation.id); }
        break;
      case "conversation.closed":
        if (panels[ev.conversation.id]) { panels[ev.conversation.id].conv = ev.conversation; }
        break;
      case "conversation.customer_left":
        if (panels[ev.conversation.id]) { panels[ev.conversation.id].status.textContent = " · " + gettext("The customer left the chat."); }
        break;
      case "message.created":
        if (panels[ev.message.conversation_id]) { addMessage(panels[ev.message.conversation_id], ev.message); }
        break;
      case "message.status":
        var p = panels[ev.conversation_id];
        if (p) {
          p.list.querySelectorAll("li.me").forEach(function (li) {
            var id = Number(li.dataset.id);
            // A provider status names one message; read marks cover everything up to an id.
            if (ev.message_id ? id === ev.message_id : id <= ev.up_to_id) {
              var mark = li.querySelector(".mark");
              mark.textContent = markFor(ev.status);
              if (ev.reason) { mark.title = ev.reason; }
            }
          });
        }
        break;
      case "typing":
        if (panels[ev.conversation_id]) { panels[ev.conversation_id].typing.classList.toggle("hidden", !ev.is_typing); }
        break;
      case "agent.state_changed": if (ev.agent_id === me.agent.agent_id) { renderState(ev); } break;
    }
  }

  function sync() {
    return C.api("GET", base + "/agents/me").then(function (data) {
      me = data;
      renderState(data.agent);
      data.conversations.forEach(function (c) {
        if (c.status === "assigned") { openPanel(c); }
        else if (c.status === "offered" && c.offered_to_id === data.agent.agent_id) { showOffer(c); }
      });
    });
  }

  sync().then(function () {
    sock = C.socket("/ws/agent/" + cfg.tenant + "/", {
      onOpen: function () { sync(); },  // after a reconnect, the server state is the truth
      onEvent: onEvent,
      onStatus: function (up) { $("conn").textContent = up ? gettext("Connected") : gettext("Reconnecting…"); document.body.dataset.connected = up ? "1" : "0"; }
    });
    window.contactaAgentSocket = sock;
    setInterval(function () { sock.send({ type: "heartbeat" }); }, 20000);
    if (window.Notification && Notification.permission === "default") {
      document.body.addEventListener("click", function ask() { Notification.requestPermission(); document.body.removeEventListener("click", ask); });
    }
  });
})();
