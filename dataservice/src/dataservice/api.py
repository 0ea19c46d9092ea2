"""The dataservice's HTTP API under ``/api/v1``, bound to ``openapi/`` by operationId."""

from __future__ import annotations

from pathlib import Path

from runnerly_common.openapi import OpenAPIBlueprint

SPEC = Path(__file__).with_name("openapi")
PREFIX = "/api/v1"


def make_blueprint() -> OpenAPIBlueprint:
    from dataservice.email_preferences import views as email_preference_views
    from dataservice.exports import views as export_views
    from dataservice.gear import views as gear_views
    from dataservice.heatmap import views as heatmap_views
    from dataservice.plans import views as plan_views
    from dataservice.races import views as race_views
    from dataservice.reports import views as report_views
    from dataservice.runs import stream_views
    from dataservice.runs import views as run_views
    from dataservice.set_aside import views as set_aside_views
    from dataservice.sharing import views as sharing_views
    from dataservice.stats import progression_views
    from dataservice.stats import views as stat_views
    from dataservice.strava import views as strava_views
    from dataservice.training import views as training_views
    from dataservice.two_factor import views as two_factor_views
    from dataservice.users import views as user_views
    from dataservice.vo2max import views as vo2max_views

    api = OpenAPIBlueprint("api", __name__, SPEC, url_prefix=PREFIX)
    for module in (
        user_views,
        two_factor_views,
        strava_views,
        run_views,
        stream_views,
        set_aside_views,
        stat_views,
        progression_views,
        report_views,
        race_views,
        plan_views,
        export_views,
        heatmap_views,
        email_preference_views,
        training_views,
        vo2max_views,
        gear_views,
        sharing_views,
    ):
        module.bind(api)
    api.check_all_bound()
    return api
