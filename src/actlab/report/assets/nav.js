// actlab atlas: the sidebar's filter box (hides activations whose name or family does not
// match, in the sidebar and in the gallery). No dependencies.
(function () {
  "use strict";
  var box = document.getElementById("filter");
  if (!box) return;
  function apply() {
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll("[data-filter]").forEach(function (e) {
      var hit = !q || e.getAttribute("data-filter").toLowerCase().indexOf(q) >= 0;
      e.classList.toggle("filtered", !hit);
    });
  }
  box.addEventListener("input", apply);
  apply();
})();
