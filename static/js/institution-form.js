// County select follows the chosen city: only that city's <optgroup> stays. Without script the
// full list, grouped by city, still works (the server checks the county is in the city).
(function () {
  document.querySelectorAll("[data-region-pair]").forEach(function (box) {
    var city = box.querySelector('select[data-role="city"]');
    var county = box.querySelector('select[data-role="county"]');
    if (!city || !county) return;
    var groups = Array.prototype.map.call(county.querySelectorAll("optgroup"), function (g) {
      return g.cloneNode(true);
    });
    function filter() {
      var chosen = city.selectedIndex > 0 ? city.options[city.selectedIndex].text : "";
      var keep = county.value;
      county.querySelectorAll("optgroup").forEach(function (g) { g.remove(); });
      groups.forEach(function (g) {
        if (!chosen || g.label === chosen) county.appendChild(g.cloneNode(true));
      });
      county.value = keep;
      if (county.value !== keep) county.value = "";
    }
    city.addEventListener("change", filter);
    filter();
  });
})();
