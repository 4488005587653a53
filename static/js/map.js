// Camera maps. Data comes from {{ map|json_script:"map-data" }}: {tiles, attribution, points:[{name, lat, lon, status, url}]}.
// Without a tile source (the default: settings.STEWARD_MAP_TILE_URL) the markers sit on a plain
// background, so the map works offline and sends nothing to a third party.
(function () {
  "use strict";
  const source = document.getElementById("map-data");
  const box = document.getElementById("map");
  if (!source || !box || typeof L === "undefined") return;
  const data = JSON.parse(source.textContent);
  const points = (data.points || []).filter(function (p) { return isFinite(p.lat) && isFinite(p.lon); });
  const map = L.map(box, {scrollWheelZoom: false, attributionControl: !!data.tiles});
  if (data.tiles) {
    L.tileLayer(data.tiles, {maxZoom: 19, attribution: data.attribution || ""}).addTo(map);
  }
  const colours = {active: "#0b5cad", maintenance: "#b35900", retired: "#57606a", hit: "#a40e26"};
  const bounds = [];
  points.forEach(function (p) {
    const marker = L.circleMarker([p.lat, p.lon], {
      radius: p.status === "hit" ? 10 : 7, weight: 2, color: "#fff",
      fillColor: colours[p.status] || colours.active, fillOpacity: 0.95,
    }).addTo(map);
    const label = document.createElement("span");
    if (p.url) {
      const link = document.createElement("a");
      link.href = p.url; link.textContent = p.name; label.appendChild(link);
    } else { label.textContent = p.name; }
    if (p.note) label.appendChild(document.createTextNode(" · " + p.note));
    marker.bindPopup(label);
    // An element, never a string: Leaflet puts a string in as HTML, and names are typed by staff.
    const tip = document.createElement("span");
    tip.textContent = p.name;
    marker.bindTooltip(tip);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length > 1) map.fitBounds(bounds, {padding: [30, 30], maxZoom: 15});
  else if (bounds.length === 1) map.setView(bounds[0], 14);
  else map.setView([47.5, -122.3], 8);
  // The map's own controls are links without text for screen readers; name them.
  box.querySelectorAll(".leaflet-control-zoom a").forEach(function (a) { a.setAttribute("aria-label", a.title); });
})();
