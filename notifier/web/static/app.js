// Shows times relative to now ("3 h ago") with the absolute time kept as a tooltip.
// The page reads fine without it; no inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  function relative(date) {
    var seconds = (Date.now() - date.getTime()) / 1000;
    var future = seconds < 0;
    var s = Math.abs(seconds);
    var text;
    if (s < 60) text = "just now";
    else if (s < 3600) text = Math.round(s / 60) + " min";
    else if (s < 86400) text = Math.round(s / 3600) + " h";
    else if (s < 86400 * 45) text = Math.round(s / 86400) + " d";
    else return null;
    if (text === "just now") return text;
    return future ? "in " + text : text + " ago";
  }
  function update() {
    var nodes = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var date = new Date(node.getAttribute("datetime"));
      if (isNaN(date.getTime())) continue;
      if (!node.title) node.title = node.textContent;
      var text = relative(date);
      if (text) node.textContent = text;
    }
  }
  document.addEventListener("DOMContentLoaded", update);
})();
