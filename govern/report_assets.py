"""Evidently's HTML without its 3.5 MB viewer script in every file.

``Snapshot.save_html`` embeds Evidently's script and icon font in each report (3.9 MB).
Here the report is drawn by Evidently's own template with ``embed_lib=False``, and the
script is kept once per project under ``model_cards/_assets/`` (version in the name).
The page finds it by trying ``_assets/`` and ``model_cards/_assets/`` in each parent
folder up to the project root, so the same file opens offline from
``model_cards/<model>/v<N>/``, from a monitoring folder below it and from the run's
staged evidence; where the script cannot be reached (an artifact viewer) the page says
so and points at ``drift.json``, which holds every figure.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

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
      document.getElementById("root_{id}").innerHTML = "<p>Evidently's viewer ({script}) was not found beside this project. Open this file from model_cards/ in the project, or read drift.json: it holds every figure.</p>";
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


def script_name() -> str:
    import evidently

    return f"evidently-{evidently.__version__}.js"


def ensure_assets(folder: Path) -> Path:
    """Copy Evidently's viewer script into ``folder`` once; returns its path."""
    from evidently.legacy.utils.dashboard import STATIC_PATH

    target = Path(folder) / script_name()
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(Path(STATIC_PATH) / "index.js", partial)
        partial.replace(target)
    return target


def html_without_script(snapshot) -> str:
    """The snapshot's standalone HTML (as ``save_html`` writes it) minus the embedded
    script (the icon font, 0.1 MB, stays), with a loader for the shared script."""
    from evidently.core.metric_types import DetailsInfo
    from evidently.legacy.renderers.html_widgets import group_widget
    from evidently.legacy.utils.dashboard import TemplateParams, file_html_template
    from evidently.legacy.model.dashboard import DashboardInfo

    widgets = [group_widget(title="", widgets=snapshot._widgets)] + snapshot._tests_widgets
    graphs = {}
    for widget in widgets:
        for graph in widget.get_additional_graphs():
            info = getattr(graph, "params", graph)
            item = DetailsInfo(title="", info=info, id=graph.id)
            graphs[f"{item.id}"] = item.info.dict() if hasattr(item.info, "dict") else item.info
    dashboard_id = "report_" + hashlib.sha1(snapshot.json().encode()).hexdigest()[:16]
    params = TemplateParams(dashboard_id=dashboard_id, dashboard_info=DashboardInfo(name="Report", widgets=widgets),
                            additional_graphs=graphs, embed_lib=False)
    page = file_html_template(params)
    start = page.index("<script>\n    window.drawDashboard(")
    end = page.index("</script>", start) + len("</script>")
    loader = _LOADER.format(names=json.dumps([script_name()]), id=dashboard_id, script=script_name())
    return page[:start] + loader + page[end:]
