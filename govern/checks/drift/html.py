"""Evidently's HTML without its 3.5 MB viewer script in every file.

``Snapshot.save_html`` embeds Evidently's script and icon font in each report (3.9 MB).
Here the report is drawn by Evidently's own template with ``embed_lib=False``, and the
script is kept once per project under ``model_cards/_assets/`` (version in the name).
The page finds it by trying ``_assets/`` and ``model_cards/_assets/`` in each parent
folder up to the project root, so the same file opens offline from
``model_cards/<model>/v<N>/``, from a monitoring folder below it and from the run's
staged evidence; where the script cannot be reached (an artifact viewer) the page says
so and points at ``drift.json``, which holds every figure.

The icon font (0.1 MB) is shared the same way (a CSS source list tries the same
folders).  Every chart of a report repeats one 7.5 KB Plotly template and draws with
16-digit floats; the page keeps each distinct template once and rounds the drawn
numbers to 6 significant digits, so a 17-column report is about a third of its size.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

from govern.checks.drift import evidently_internals

_LOADER = """<script>
(function () {{
  var names = {names};
  var tries = [];
  for (var up = 0; up < 7; up++) {{
    var prefix = "../".repeat(up);
    tries.push(prefix + "_assets/" + names[0], prefix + "model_cards/_assets/" + names[0]);
  }}
  function next(i) {{
    if (i >= tries.length) {{
      document.getElementById("root_{id}").innerHTML = "<p>Evidently's viewer ({script}) was not found beside this project. \
Open this file from model_cards/ in the project, or read drift.json: it holds every figure.</p>";
      return;
    }}
    var s = document.createElement("script");
    s.src = tries[i];
    s.onload = function () {{
      window.drawDashboard({id}, new Map(Object.entries(additional_graphs_{id})), "root_{id}");
    }};
    s.onerror = function () {{ s.remove(); next(i + 1); }};
    document.body.appendChild(s);
  }}
  next(0);
}})();
</script>"""


_RESTORE = """<script>
function govern_restore(value, templates) {
  if (Array.isArray(value)) { return value.map(function (v) { return govern_restore(v, templates); }); }
  if (value === null || typeof value !== "object") { return value; }
  var keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "__govern_template__") { return JSON.parse(templates[value.__govern_template__]); }
  var out = {};
  keys.forEach(function (k) { out[k] = govern_restore(value[k], templates); });
  return out;
}
var %(id)s = govern_restore(%(data)s, %(templates)s);
var additional_graphs_%(id)s = %(graphs)s;
</script>"""

_LEVELS = 7


def script_name() -> str:
    import evidently

    return f"evidently-{evidently.__version__}.js"


def font_name() -> str:
    import evidently

    return f"evidently-{evidently.__version__}-icons.woff2"


def ensure_assets(folder: Path) -> Path:
    """Copy Evidently's viewer script and icon font into ``folder`` once; returns the script's path."""
    for source, name in ((evidently_internals.VIEWER_SCRIPT, script_name()), (evidently_internals.ICON_FONT, font_name())):
        target = Path(folder) / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            shutil.copyfile(evidently_internals.static_file(source), partial)
            partial.replace(target)
    return Path(folder) / script_name()


def _font_sources() -> str:
    """A CSS ``src`` list: the browser takes the first shared font it can load."""
    return ", ".join(f"url({'../' * up}{folder}{font_name()}) format('woff2')"
                     for up in range(_LEVELS) for folder in ("_assets/", "model_cards/_assets/"))


def _compact(value, templates: dict[str, int]):
    """``value`` with each Plotly template replaced by a reference to one shared copy and
    floats rounded to 6 significant digits (drawing precision; drift.json keeps the figures)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "template" and isinstance(item, dict):
                text = json.dumps(item, separators=(",", ":"))
                out[key] = {"__govern_template__": templates.setdefault(text, len(templates))}
            else:
                out[key] = _compact(item, templates)
        return out
    if isinstance(value, (list, tuple)):
        return [_compact(item, templates) for item in value]
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.6g}")
    return value


def _data_block(dashboard_id: str, dashboard_info, graphs: dict) -> str:
    templates: dict[str, int] = {}
    data = _compact(json.loads(evidently_internals.dashboard_json(dashboard_info)), templates)
    packed = {"id": dashboard_id, "data": json.dumps(data, separators=(",", ":")),
              "templates": json.dumps(list(templates), separators=(",", ":")),
              "graphs": json.dumps(graphs, cls=evidently_internals.json_encoder(), separators=(",", ":"))}
    # A JSON string cannot close the script element early: "</" is escaped.
    return _RESTORE % {k: v.replace("</", "<\\/") for k, v in packed.items()}


def html_without_script(snapshot) -> str:
    """The snapshot's standalone HTML (as ``save_html`` writes it) with its data compacted
    and a loader for the shared script and font in place of the embedded ones."""
    widgets = evidently_internals.snapshot_widgets(snapshot)
    graphs = evidently_internals.additional_graphs(widgets)
    dashboard_id = "report_" + hashlib.sha1(snapshot.json().encode()).hexdigest()[:16]
    info = evidently_internals.dashboard_info(widgets)
    page = evidently_internals.page_without_script(dashboard_id, info, graphs, font_file="GOVERN_FONT_SOURCES")
    page = page.replace("url(GOVERN_FONT_SOURCES);", _font_sources() + ";", 1)
    page = page.replace(evidently_internals.NO_EMBEDDED_DATA, _data_block(dashboard_id, info, graphs), 1)
    start = page.index(evidently_internals.DRAW_SCRIPT)
    end = page.index("</script>", start) + len("</script>")
    loader = _LOADER.format(names=json.dumps([script_name()]), id=dashboard_id, script=script_name())
    return page[:start] + loader + page[end:]
