// The signature pad on the agreement page. Without JavaScript the page still works: the typed
// name is the signature. With it, a finger, pen or mouse can draw on the canvas; the strokes go
// into the form's hidden "signature" field as JSON, [[[x, y], ...], ...] in pad units (600 by 200),
// which lendhub draws as lines in the signed PDF.
(function () {
  "use strict";
  var pad = document.querySelector("[data-signature-pad]");
  if (!pad) return;
  var canvas = pad.querySelector("canvas");
  var field = pad.parentNode.querySelector('input[name="signature"]');
  var status = pad.querySelector("[data-signature-status]");
  var clear = pad.querySelector("[data-signature-clear]");
  var context = canvas.getContext("2d");
  var WIDTH = 600, HEIGHT = 200, MAX_POINTS = 4000;
  var strokes = [];
  try {
    strokes = field.value ? JSON.parse(field.value) : [];
  } catch (e) {
    strokes = [];
  }
  var current = null;
  pad.hidden = false;

  function points() {
    return strokes.reduce(function (n, s) { return n + s.length; }, 0);
  }

  function at(event) {
    var box = canvas.getBoundingClientRect();
    var x = Math.round((event.clientX - box.left) * WIDTH / box.width);
    var y = Math.round((event.clientY - box.top) * HEIGHT / box.height);
    return [Math.min(WIDTH, Math.max(0, x)), Math.min(HEIGHT, Math.max(0, y))];
  }

  function draw() {
    context.clearRect(0, 0, WIDTH, HEIGHT);
    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#0b0c0c";
    strokes.forEach(function (stroke) {
      context.beginPath();
      context.moveTo(stroke[0][0], stroke[0][1]);
      stroke.forEach(function (p) { context.lineTo(p[0], p[1]); });
      if (stroke.length === 1) context.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
      context.stroke();
    });
  }

  function save() {
    field.value = strokes.length ? JSON.stringify(strokes) : "";
    status.textContent = strokes.length ? "You have drawn a signature." : "No signature drawn.";
    clear.hidden = !strokes.length;
  }

  canvas.addEventListener("pointerdown", function (event) {
    if (points() >= MAX_POINTS) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [at(event)];
    strokes.push(current);
    draw();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!current || points() >= MAX_POINTS) return;
    var p = at(event), last = current[current.length - 1];
    if (p[0] !== last[0] || p[1] !== last[1]) {
      current.push(p);
      draw();
    }
  });
  function end() {
    if (!current) return;
    current = null;
    save();
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", function () {
    strokes = [];
    draw();
    save();
  });
  draw();
  save();
})();
