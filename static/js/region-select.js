// Narrows a county <select> to the counties of the chosen city. Without this script the
// county select still works: every county is listed, grouped under its city.
(function () {
  "use strict";

  // Region codes are hierarchical (330100 → 3301xx), so a city's counties share its prefix.
  function prefix(code) {
    return (code || "").slice(0, 4);
  }

  document.querySelectorAll("select[data-filters]").forEach(function (city) {
    var county = document.getElementById(city.dataset.filters);
    if (!county) {
      return;
    }
    var groups = Array.prototype.slice.call(county.querySelectorAll("optgroup"));

    function groupPrefix(group) {
      var option = group.querySelector("option");
      return option ? prefix(option.value) : "";
    }

    function narrow() {
      var chosen = prefix(city.value);
      groups.forEach(function (group) {
        var show = !chosen || groupPrefix(group) === chosen;
        group.hidden = !show;
        group.disabled = !show;
      });
      var selected = county.options[county.selectedIndex];
      if (selected && selected.parentElement.disabled) {
        county.value = "";
      }
    }

    county.addEventListener("change", function () {
      if (county.value && !city.value) {
        city.value = prefix(county.value) + "00";
        narrow();
      }
    });
    city.addEventListener("change", narrow);
    narrow();
  });
})();
