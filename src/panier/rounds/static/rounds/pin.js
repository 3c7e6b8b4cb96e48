// The operator places a customer's pin on the round map (rounds/day.html).
(function () {
  // Click-to-pin: the map's projection is in the SVG's data attributes; the
  // click fills the order's coordinate fields and submits its form, so the
  // server checks the values exactly as if they had been typed.
  var svg = document.getElementById("rounds-map");
  if (!svg || !svg.getScreenCTM) return;
  var p = svg.dataset, target = null, pin = document.getElementById("map-pin");
  var hint = document.getElementById("map-hint");
  document.querySelectorAll(".js-pin").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      target = document.getElementById(button.dataset.form);
      if (hint) hint.hidden = false;
      svg.style.cursor = "crosshair";
      svg.scrollIntoView({behavior: "smooth", block: "center"});
    });
  });
  svg.addEventListener("click", function (event) {
    if (!target) return;
    var pt = svg.createSVGPoint();
    pt.x = event.clientX; pt.y = event.clientY;
    var at = pt.matrixTransform(svg.getScreenCTM().inverse());
    var lat = +p.y0 - (at.y - +p.pad) / +p.scale * +p.span;
    var lon = ((at.x - +p.pad) / +p.scale * +p.span + +p.x0) / +p.k;
    pin.setAttribute("cx", at.x); pin.setAttribute("cy", at.y);
    target.querySelector("input[name=latitude]").value = lat.toFixed(6);
    target.querySelector("input[name=longitude]").value = lon.toFixed(6);
    target.submit();
  });
})();
