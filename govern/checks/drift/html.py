"""Evidently's drift report as one self-contained HTML file that draws wherever it is opened.

MLflow's artifact viewer shows an HTML artifact in a sandboxed iframe loaded from a
``blob:`` URL, where no relative path reaches a script beside the file; so the page
carries Evidently's viewer script and its icon font (as a ``data:`` URL) inline, as
``Snapshot.save_html`` does, and opens offline from ``model_cards/``, from the run's
artifacts and from the MLflow UI alike.

What is compacted: every chart of a report repeats one 7.5 KB Plotly template and draws
with 16-digit floats; the page keeps each distinct template once and rounds the drawn
numbers to 6 significant digits (``drift.json`` keeps every figure), so a 17-column
report is about a third smaller than Evidently's own.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import shutil
from pathlib import Path

from govern.checks.drift import evidently_internals

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



def script_name() -> str:
    import evidently

    return f"evidently-{evidently.__version__}.js"


def font_name() -> str:
    import evidently

    return f"evidently-{evidently.__version__}-icons.woff2"


def ensure_assets(folder: Path) -> Path:
    """Copy Evidently's viewer script and icon font into ``folder`` once (reports written before
    the page carried them inline load them from there); returns the script's path."""
    for source, name in ((evidently_internals.VIEWER_SCRIPT, script_name()), (evidently_internals.ICON_FONT, font_name())):
        target = Path(folder) / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            shutil.copyfile(evidently_internals.static_file(source), partial)
            partial.replace(target)
    return Path(folder) / script_name()


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


_DRAW = """<script>{script}</script>
<script>window.drawDashboard({id}, new Map(Object.entries(additional_graphs_{id})), "root_{id}");</script>"""


@functools.cache
def _inline_assets() -> tuple[str, str]:
    """Evidently's viewer script (safe inside a script element) and its icon font as a CSS source."""
    script = evidently_internals.static_file(evidently_internals.VIEWER_SCRIPT).read_text(encoding="utf-8").replace("</script", "<\\/script")
    font = base64.b64encode(evidently_internals.static_file(evidently_internals.ICON_FONT).read_bytes()).decode("ascii")
    return script, f"url(data:font/woff2;base64,{font}) format('woff2');"


def report_html(snapshot) -> str:
    """The snapshot's standalone HTML with its data compacted and Evidently's script and
    font inline: it draws from a file, the run's artifacts or MLflow's artifact viewer."""
    widgets = evidently_internals.snapshot_widgets(snapshot)
    graphs = evidently_internals.additional_graphs(widgets)
    dashboard_id = "report_" + hashlib.sha1(snapshot.json().encode()).hexdigest()[:16]
    info = evidently_internals.dashboard_info(widgets)
    script, font = _inline_assets()
    page = evidently_internals.page_without_script(dashboard_id, info, graphs, font_file="GOVERN_FONT_SOURCES")
    page = page.replace("url(GOVERN_FONT_SOURCES);", font, 1)
    page = page.replace(evidently_internals.NO_EMBEDDED_DATA, _data_block(dashboard_id, info, graphs), 1)
    start = page.index(evidently_internals.DRAW_SCRIPT)
    end = page.index("</script>", start) + len("</script>")
    return page[:start] + _DRAW.format(script=script, id=dashboard_id) + page[end:]


def html_without_script(snapshot) -> str:
    """The same self-contained page (:func:`report_html`), under the name earlier callers use."""
    return report_html(snapshot)
