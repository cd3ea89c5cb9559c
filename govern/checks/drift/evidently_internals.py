"""The only place Evidently's internals are touched (written against evidently 0.7.23).

Evidently 0.7's public API is ``Report``/``Dataset``/``Snapshot`` (``evidently.*``); the
parts used here live in ``evidently.legacy`` or behind underscores, and may change in any
release.  They are used because the public API lacks them:

* the stat-test registry: a report names a column's method by display name only
  ("K-S p_value"), and the gate needs the short name ("ks") Evidently takes as input;
* the HTML pieces ``Snapshot.save_html`` is built from (its widgets ``_widgets`` and
  ``_tests_widgets``, the dashboard template, its JSON encoder and its static folder):
  ``save_html`` embeds the 3.5 MB viewer script and icon font in every report and has
  no switch to share them, so ``govern.checks.drift.html`` draws the page with the same
  template and ``embed_lib=False``.

Each function moves one use here unchanged; ``tests/test_library_internals.py`` has a
canary per use.  Evidently is imported inside the functions: importing it costs seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Files in Evidently's static folder: the viewer script and its icon font.
VIEWER_SCRIPT = "index.js"
ICON_FONT = "material-ui-icons.woff2"
# Text of the page ``file_html_template`` writes with ``embed_data=False``, and the start
# of the script that draws the dashboard.
NO_EMBEDDED_DATA = "<!-- no embedded data -->"
DRAW_SCRIPT = "<script>\n    window.drawDashboard("


def stattest_names() -> dict[str, str]:
    """Evidently's stat tests: display name ("K-S p_value") -> short name ("ks")."""
    from evidently.legacy.calculations import stattests
    from evidently.legacy.calculations.stattests.registry import StatTest

    return {v.display_name: v.name for v in vars(stattests).values() if isinstance(v, StatTest)}


def static_file(name: str) -> Path:
    """A file of Evidently's static folder (``VIEWER_SCRIPT``, ``ICON_FONT``)."""
    from evidently.legacy.utils.dashboard import STATIC_PATH

    return Path(STATIC_PATH) / name


def snapshot_widgets(snapshot) -> list:
    """The widgets ``Snapshot.save_html`` draws: the metrics' in one group, then the tests'."""
    from evidently.legacy.renderers.html_widgets import group_widget

    return [group_widget(title="", widgets=snapshot._widgets)] + snapshot._tests_widgets


def additional_graphs(widgets: list) -> dict[str, Any]:
    """The widgets' detail graphs by id, as the template's ``additional_graphs``."""
    from evidently.core.metric_types import DetailsInfo

    graphs = {}
    for widget in widgets:
        for graph in widget.get_additional_graphs():
            info = getattr(graph, "params", graph)
            item = DetailsInfo(title="", info=info, id=graph.id)
            graphs[f"{item.id}"] = item.info.dict() if hasattr(item.info, "dict") else item.info
    return graphs


def dashboard_info(widgets: list):
    """The dashboard a report's page draws."""
    from evidently.legacy.model.dashboard import DashboardInfo

    return DashboardInfo(name="Report", widgets=widgets)


def dashboard_json(info) -> str:
    """``info`` as the JSON the template embeds."""
    from evidently.legacy.utils.dashboard import dashboard_info_to_json

    return dashboard_info_to_json(info)


def json_encoder() -> type[json.JSONEncoder]:
    """The encoder the template writes the detail graphs with (numpy values included)."""
    from evidently.legacy.utils import NumpyEncoder

    return NumpyEncoder


def page_without_script(dashboard_id: str, info, graphs: dict, font_file: str) -> str:
    """The standalone page without the viewer script, the data (``NO_EMBEDDED_DATA`` in
    its place) or the font (``url(<font_file>);`` in its place)."""
    from evidently.legacy.utils.dashboard import TemplateParams, file_html_template

    params = TemplateParams(dashboard_id=dashboard_id, dashboard_info=info, additional_graphs=graphs, embed_lib=False,
                            embed_data=False, embed_font=False, font_file=font_file)
    return file_html_template(params)
