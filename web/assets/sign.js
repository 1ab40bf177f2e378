// The signing page's behaviour (app/src/serve/signing/html.cpp): drawing a
// signature on the canvas, and uploading requested files. The page works
// without it, except for drawing and uploads.
"use strict";
(function () {
  var csrf = document.querySelector('meta[name="csrf-token"]');
  csrf = csrf ? csrf.getAttribute("content") : "";

  // Drawn signature: pointer events on the canvas; the PNG goes into the
  // form's hidden `image` field when the form is sent.
  var pad = document.getElementById("pad");
  if (pad) {
    var ctx = pad.getContext("2d");
    var drawn = false, down = false, last = null;
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#10243e";
    var point = function (e) {
      var r = pad.getBoundingClientRect();
      return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
    };
    pad.addEventListener("pointerdown", function (e) {
      down = true; last = point(e); pad.setPointerCapture(e.pointerId);
    });
    pad.addEventListener("pointermove", function (e) {
      if (!down) return;
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; drawn = true;
    });
    var up = function () { down = false; };
    pad.addEventListener("pointerup", up);
    pad.addEventListener("pointercancel", up);
    document.getElementById("clear-pad").addEventListener("click", function () {
      ctx.clearRect(0, 0, pad.width, pad.height); drawn = false;
    });
    document.getElementById("sign-form").addEventListener("submit", function () {
      document.getElementById("image").value = drawn ? pad.toDataURL("image/png") : "";
    });
  }

  // Embedded signing: the page tells the portal that framed it what
  // happened (viewed, signed, declined), posted to each allowed origin (the
  // browser delivers it only to the parent's own); outside a frame, a
  // signature or a refusal returns to the portal's return_url.
  var body = document.body;
  var origins = (body.getAttribute("data-embed-origins") || "").split(" ").filter(Boolean);
  var outcome = body.getAttribute("data-outcome") || "";
  if (origins.length && outcome) {
    var message = { source: "signflow", event: outcome, envelope: Number(body.getAttribute("data-envelope")),
                    role: body.getAttribute("data-role") };
    if (window.parent !== window) {
      origins.forEach(function (origin) { window.parent.postMessage(message, origin); });
    } else if (outcome === "signed" || outcome === "declined") {
      var back = body.getAttribute("data-return-url");
      if (back) {
        var url = new URL(back);
        url.searchParams.set("event", outcome);
        url.searchParams.set("envelope", String(message.envelope));
        url.searchParams.set("role", message.role);
        window.location.assign(url.toString());
      }
    }
  }

  // Uploads: the file is the request's body, the CSRF token a header.
  var inputs = document.querySelectorAll("input[data-upload]");
  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var url = input.getAttribute("data-upload") + "?filename=" + encodeURIComponent(file.name);
      fetch(url, { method: "POST", body: file, credentials: "same-origin",
                   headers: { "X-CSRF-Token": csrf, "Content-Type": file.type || "application/octet-stream" } })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (res) {
          if (res.ok) { window.location.reload(); return; }
          var note = document.createElement("p");
          note.className = "notice error";
          note.setAttribute("role", "alert");
          note.textContent = res.body && res.body.error ? res.body.error : "upload failed";
          input.parentNode.appendChild(note);
        });
    });
  });
})();
