// Draw the places of a statement or a search on country outlines shipped with the app.
// Data comes from <script type="application/json" id="map-data">: {places, clusterSearch}.
(function () {
  "use strict";
  const dataNode = document.getElementById("map-data");
  const box = document.querySelector("[data-map], #statement-map, #search-map");
  if (!dataNode || !box) return;
  const data = JSON.parse(dataNode.textContent);
  const map = L.map(box, { worldCopyJump: true, attributionControl: true, minZoom: 1, maxZoom: 12 });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Outlines: Natural Earth via world-atlas");
  map.setView([20, 10], 1);

  fetch("/static/vendor/countries-110m.json")
    .then((r) => r.json())
    .then((world) => {
      const land = topojson.feature(world, world.objects.countries);
      land.features = land.features.filter((f) => f.id !== "010"); // Antarctica
      land.features.forEach(unwrap);
      L.geoJSON(land, {
        style: { color: "#8a94a6", weight: 0.6, fillColor: "#e4e8ee", fillOpacity: 1 },
        interactive: false,
      }).addTo(map).bringToBack();
    });

  // Rings cut at the antimeridian jump from +180 to -180: keep them continuous instead,
  // so Leaflet draws no line across the whole map.
  function unwrap(feature) {
    const g = feature.geometry;
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
    polygons.forEach((rings) => rings.forEach((ring) => {
      for (let i = 1; i < ring.length; i++) {
        const d = ring[i][0] - ring[i - 1][0];
        if (d > 180) ring[i][0] -= 360;
        else if (d < -180) ring[i][0] += 360;
      }
    }));
  }
  // The near: filter of a cluster: the centre of its places' bounds and the distance to the
  // farthest of them (not to a corner: on a sphere the corners are not equally far), plus 10 km.
  function nearClause(latlngs) {
    const centre = L.latLngBounds(latlngs).getCenter();
    const farthest = Math.max(0, ...latlngs.map((p) => centre.distanceTo(p)));
    const km = Math.ceil(farthest / 1000) + 10;
    return "near:" + centre.lat.toFixed(3) + "," + centre.lng.toFixed(3) + "," + km;
  }
  window.communiqueNear = (points) => nearClause(points.map((p) => L.latLng(p[0], p[1])));

  function radius(count) {
    return 5 + Math.min(18, Math.sqrt(count) * 3);
  }
  function marker(p) {
    const m = L.circleMarker([p.lat, p.lon], {
      radius: radius(p.count), color: "#123c7a", weight: 1, fillColor: "#1a5fc4", fillOpacity: 0.6,
    });
    m.options.count = p.count;
    const link = document.createElement("a");
    link.href = p.href;
    link.textContent = p.name + " (" + p.count + ")";
    m.bindPopup(link);
    return m;
  }

  const points = data.places.map((p) => [p.lat, p.lon]);
  let layer;
  if (data.clusterSearch && L.markerClusterGroup) {
    layer = L.markerClusterGroup({
      zoomToBoundsOnClick: false,
      showCoverageOnHover: false,
      iconCreateFunction: function (cluster) {
        const total = cluster.getAllChildMarkers().reduce((n, m) => n + (m.options.count || 1), 0);
        const size = 28 + Math.min(36, Math.round(Math.sqrt(total) * 3));
        return L.divIcon({
          html: "<span>" + total + '</span><span class="sr-only"> places named: search near them</span>',
          className: "cluster",
          iconSize: L.point(size, size),
        });
      },
    });
    function openCluster(cluster) {
      const places = cluster.getAllChildMarkers().map((m) => m.getLatLng());
      window.location.href = data.clusterSearch + encodeURIComponent(" " + nearClause(places));
    }
    layer.on("clusterclick", (event) => openCluster(event.layer));
    // A cluster has the focus as any marker does; Enter or Space opens it as a click does.
    layer.on("clusterkeypress", function (event) {
      if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") {
        event.originalEvent.preventDefault();
        openCluster(event.layer);
      }
    });
    data.places.forEach((p) => layer.addLayer(marker(p)));
  } else {
    layer = L.featureGroup(data.places.map(marker));
  }
  layer.addTo(map);
  if (points.length === 1) {
    map.setView(points[0], 5);
  } else if (points.length > 1) {
    map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 6 });
  }
})();
