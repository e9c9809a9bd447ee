/* The supervisor's live view: a fresh snapshot whenever an event says something changed. */
"use strict";
(function () {
  var C = window.Contacta, el = C.el, gettext = C.t;
  var cfg = JSON.parse(document.getElementById("desktop-config").textContent);
  var base = "/tenants/" + cfg.tenant;
  var pending = null, auxReasons = [];

  function fill(id, rows) {
    var body = document.querySelector("#" + id + " tbody");
    body.textContent = "";
    rows.forEach(function (cells) { body.appendChild(el("tr", {}, cells.map(function (c) { return el("td", {}, [c]); }))); });
  }

  function stateText(a) {
    if (a.status === "available") { return gettext("Available"); }
    if (a.status === "offline") { return gettext("Offline"); }
    var reason = auxReasons.filter(function (r) { return r.code === a.reason; })[0];
    return gettext("Aux") + ": " + (reason ? reason.label : (a.reason === "rona" ? gettext("Not ready (missed offer)") : a.reason));
  }

  function forceControl(a) {
    var select = el("select", { "aria-label": gettext("Force state") }, [el("option", { value: "", text: "—" }), el("option", { value: "available:", text: gettext("Available") })]
      .concat(auxReasons.map(function (r) { return el("option", { value: "aux:" + r.code, text: r.label }); }))
      .concat([el("option", { value: "offline:", text: gettext("Offline") })]));
    select.addEventListener("change", function () {
      var v = select.value.split(":");
      if (!v[0]) { return; }
      C.api("PUT", base + "/agents/" + a.agent_id + "/state", { status: v[0], reason: v[1] }).then(refresh).catch(function (e) { alert(e.message); });
    });
    return select;
  }

  function refresh() {
    return C.api("GET", base + "/live").then(function (live) {
      fill("queues", live.queues.map(function (q) { return [q.name, String(q.waiting), C.duration(q.longest_wait_s), String(q.active), q.sla_target_percent + "% / " + q.sla_target_seconds + "s"]; }));
      fill("agents", live.agents.map(function (a) { return [a.name, stateText(a) + (a.wrap_up_until && new Date(a.wrap_up_until) > new Date() ? " · " + gettext("Wrap-up") : ""), a.time_in_state_s === null ? "—" : C.duration(a.time_in_state_s), a.active_conversations + "/" + a.chat_capacity, forceControl(a)]; }));
      fill("waiting", live.waiting.map(function (c) { return ["#" + c.id, c.contact.name || gettext("Visitor"), c.queue ? c.queue.name : "", c.status, C.duration(c.wait_s)]; }));
      fill("active", live.active.map(function (c) { return ["#" + c.id, c.contact.name || gettext("Visitor"), c.queue ? c.queue.name : "", c.agent || ""]; }));
    });
  }

  function schedule() { if (!pending) { pending = setTimeout(function () { pending = null; refresh(); }, 300); } }

  C.api("GET", base + "/aux-reasons").then(function (r) { auxReasons = r; }).catch(function () { auxReasons = []; }).finally(function () {
    refresh();
    C.socket("/ws/supervisor/" + cfg.tenant + "/", { onEvent: schedule, onOpen: schedule });
    setInterval(refresh, 5000);  // time-in-state and wait clocks keep moving between events
  });
})();
