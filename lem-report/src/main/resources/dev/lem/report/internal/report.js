// LEM report: the metric picker and the SLO slider. Everything they show is also in the static page; this only
// hides and highlights. No network access of any kind (the page's Content-Security-Policy forbids it).
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var data = JSON.parse(document.getElementById('lem-data').textContent);

  // metric picker: one figure at a time
  var pick = document.getElementById('metric-pick');
  function showMetric() {
    var figs = document.querySelectorAll('.metric-fig');
    for (var i = 0; i < figs.length; i++) {
      figs[i].classList.toggle('shown', figs[i].getAttribute('data-metric') === pick.value);
    }
  }
  if (pick) {
    pick.addEventListener('change', showMetric);
    showMetric();
  }

  // SLO slider: the lowest energy per output token among configurations meeting a latency deadline
  var metricSel = document.getElementById('slo-metric');
  var slider = document.getElementById('slo-deadline');
  var strict = document.getElementById('slo-strict');
  var out = document.getElementById('slo-value');
  var result = document.getElementById('slo-result');
  var ENERGY = 'energy_per_output_token_j';
  function fmt(v) {
    if (v === 0) { return '0'; }
    var a = Math.abs(v);
    return (a >= 1e-3 && a < 1e7) ? String(Number(v.toPrecision(4))) : v.toExponential(3);
  }
  function candidates(key) {
    var list = [];
    data.experiments.forEach(function (e) {
      var lat = e.metrics[key];
      var en = e.metrics[ENERGY];
      if (lat && en) { list.push({ e: e, lat: lat, en: en }); }
    });
    return list;
  }
  function bounds(list) {
    var lo = Infinity, hi = -Infinity;
    list.forEach(function (c) {
      lo = Math.min(lo, c.lat.mean);
      hi = Math.max(hi, c.lat.high !== null ? c.lat.high : c.lat.mean);
    });
    if (!(lo > 0)) { lo = Math.max(hi / 1000, 1e-6); }
    return [lo / 1.5, hi * 1.5];
  }
  function deadline(list) {
    var b = bounds(list);
    var f = Number(slider.value) / 1000;
    return Math.exp(Math.log(b[0]) + f * (Math.log(b[1]) - Math.log(b[0])));
  }
  function updateSlo() {
    var key = metricSel.value;
    var list = candidates(key);
    var d = deadline(list);
    var unit = list.length ? list[0].lat.unit : '';
    out.textContent = fmt(d) + ' ' + unit;
    var best = null;
    list.forEach(function (c) {
      var lat = strict.checked ? (c.lat.high !== null ? c.lat.high : c.lat.mean) : c.lat.mean;
      if (lat <= d && (best === null || c.en.mean < best.en.mean)) { best = c; }
    });
    var marked = document.querySelectorAll('.slo-pick');
    for (var i = 0; i < marked.length; i++) { marked[i].classList.remove('slo-pick'); }
    var name = data.metric_names[key] || key;
    if (best === null) {
      result.textContent = 'No configuration meets ' + name + ' ≤ ' + fmt(d) + ' ' + unit + '.';
      return;
    }
    var en = best.en;
    result.textContent = 'Lowest energy meeting ' + name + ' ≤ ' + fmt(d) + ' ' + unit + ': ' + best.e.label +
      ', ' + fmt(en.mean) + ' ' + en.unit + (en.low !== null ? ' [' + fmt(en.low) + ', ' + fmt(en.high) + ']' : '') +
      ' (' + name + ' ' + fmt(best.lat.mean) + ' ' + unit + ').';
    var hits = document.querySelectorAll('[data-exp="' + best.e.id + '"]');
    for (var j = 0; j < hits.length; j++) {
      var el = hits[j];
      if (el.tagName.toLowerCase() === 'tr' || el.classList.contains('pt')) { el.classList.add('slo-pick'); }
    }
  }
  if (metricSel && slider && strict && result) {
    metricSel.addEventListener('change', updateSlo);
    slider.addEventListener('input', updateSlo);
    strict.addEventListener('change', updateSlo);
    updateSlo();
  }
}());
