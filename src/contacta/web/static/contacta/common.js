/* Shared helpers: translations, API calls with CSRF, a reconnecting JSON WebSocket. */
"use strict";
window.Contacta = (function () {
  var t = window.gettext || function (s) { return s; };

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function api(method, path, body, headers) {
    var opts = { method: method, headers: Object.assign({ "X-CSRFToken": cookie("csrftoken") }, headers || {}), credentials: "same-origin" };
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    return fetch("/api/v1" + path, opts).then(function (r) {
      if (r.status === 204) { return null; }
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var msg = (data && data.detail) || r.statusText;
          if (data && data.errors && data.errors.length) {
            msg = data.errors.map(function (e) { return (e.field ? e.field + ": " : "") + e.message; }).join("; ");
          }
          var err = new Error(msg); err.status = r.status; throw err;
        }
        return data;
      });
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "x" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  /* A socket that reconnects with backoff and calls onOpen again after every reconnect. */
  function socket(path, handlers) {
    var ws = null, delay = 500, closedByUs = false, queue = [];
    function open() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      ws = new WebSocket(proto + location.host + path);
      ws.onopen = function () {
        delay = 500;
        if (handlers.onStatus) { handlers.onStatus(true); }
        if (handlers.onOpen) { handlers.onOpen(); }
        while (queue.length) { ws.send(queue.shift()); }
      };
      ws.onmessage = function (e) {
        var data; try { data = JSON.parse(e.data); } catch (x) { return; }
        handlers.onEvent(data);
      };
      ws.onclose = function (e) {
        if (handlers.onStatus) { handlers.onStatus(false); }
        if (closedByUs || e.code === 4403) { if (handlers.onDenied && e.code === 4403) { handlers.onDenied(); } return; }
        setTimeout(open, delay); delay = Math.min(delay * 2, 10000);
      };
    }
    open();
    return {
      send: function (obj) {
        var text = JSON.stringify(obj);
        if (ws && ws.readyState === 1) { ws.send(text); } else { queue.push(text); }
      },
      close: function () { closedByUs = true; if (ws) { ws.close(); } },
      raw: function () { return ws; }
    };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "class") { node.className = attrs[k]; }
      else if (k.slice(0, 2) === "on") { node.addEventListener(k.slice(2), attrs[k]); }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }

  function time(iso, tz) {
    if (!iso) { return ""; }
    try { return new Date(iso).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", timeZone: tz || undefined }); }
    catch (e) { return new Date(iso).toLocaleTimeString(); }
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function attachmentNode(a) {
    if (a.content_type.indexOf("image/") === 0) {
      return el("a", { href: a.url, target: "_blank", rel: "noopener" }, [el("img", { src: a.url, alt: a.name, class: "preview" })]);
    }
    if (a.content_type.indexOf("audio/") === 0 || a.content_type.indexOf("video/") === 0) {
      // Call recordings and voice notes play in place; the link stays for downloading.
      var kind = a.content_type.indexOf("audio/") === 0 ? "audio" : "video";
      return el("span", { class: "media" }, [el(kind, { src: a.url, controls: "controls", preload: "metadata", class: "player" }),
        el("a", { href: a.url, target: "_blank", rel: "noopener", class: "file" }, ["⬇ " + a.name])]);
    }
    return el("a", { href: a.url, target: "_blank", rel: "noopener", class: "file" }, ["📄 " + a.name]);
  }

  return { t: t, api: api, uuid: uuid, socket: socket, el: el, time: time, duration: duration, attachmentNode: attachmentNode, cookie: cookie };
})();
