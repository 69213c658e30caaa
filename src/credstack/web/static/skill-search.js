// Progressive enhancement of the skill search: results appear while typing.
// Without this script the GET form works the same, one search per submit.
(function () {
  "use strict";
  var form = document.getElementById("skill-search");
  var area = document.getElementById("skill-results-area");
  if (!form || !area || !window.fetch) { return; }
  var timer = null;
  function search() {
    var params = new URLSearchParams(new FormData(form));
    fetch(form.action.split("?")[0] + "?" + params.toString(), { headers: { "X-Fragment": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { area.innerHTML = html; } });
    history.replaceState(null, "", "?" + params.toString());
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 300);
  });
})();
