/* Contacta chat widget: <script src="{{ origin }}/widget.js" data-inbox="INBOX_KEY" async></script> */
(function () {
  var script = document.currentScript;
  var key = script && script.getAttribute("data-inbox");
  if (!key) { return; }
  var origin = "{{ origin|escapejs }}";
  var button = document.createElement("button");
  button.textContent = "💬";
  button.setAttribute("aria-label", "Chat");
  button.style.cssText = "position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#0b5cad;color:#fff;font-size:24px;cursor:pointer;z-index:2147483646";
  var frame = document.createElement("iframe");
  frame.src = origin + "/chat/" + encodeURIComponent(key) + "/";
  frame.title = "Chat";
  frame.style.cssText = "position:fixed;right:20px;bottom:86px;width:360px;height:520px;max-height:80vh;border:1px solid #ccc;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.2);display:none;z-index:2147483647;background:#fff";
  button.addEventListener("click", function () {
    frame.style.display = frame.style.display === "none" ? "block" : "none";
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();
