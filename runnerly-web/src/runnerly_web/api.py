"""The browser's JSON API under ``/api/web``, bound to ``openapi/`` by operationId."""

from __future__ import annotations

from pathlib import Path

from runnerly_common.openapi import OpenAPIBlueprint

SPEC = Path(__file__).with_name("openapi")
PREFIX = "/api/web"


def make_blueprint() -> OpenAPIBlueprint:
    from runnerly_web import csp_report
    from runnerly_web.account import recovery_views
    from runnerly_web.account import views as account_views
    from runnerly_web.admin import views as admin_views
    from runnerly_web.apps import views as app_views
    from runnerly_web.archives import upload_views as archive_upload_views
    from runnerly_web.archives import views as archive_views
    from runnerly_web.dashboard import views as dashboard_views
    from runnerly_web.email_preferences import views as email_preference_views
    from runnerly_web.exports import views as export_views
    from runnerly_web.fitness import views as fitness_views
    from runnerly_web.gear import views as gear_views
    from runnerly_web.heatmap import views as heatmap_views
    from runnerly_web.records import views as record_views
    from runnerly_web.runs import search as run_search
    from runnerly_web.runs import views as run_views
    from runnerly_web.sharing import views as sharing_views
    from runnerly_web.strava import views as strava_views
    from runnerly_web.training import views as training_views
    from runnerly_web.two_factor import views as two_factor_views
    from runnerly_web.vo2max import views as vo2max_views

    api = OpenAPIBlueprint("api", __name__, SPEC, url_prefix=PREFIX)
    views = (
        account_views,
        two_factor_views,
        recovery_views,
        run_views,
        run_search,
        archive_views,
        archive_upload_views,
        export_views,
        training_views,
        dashboard_views,
        record_views,
        vo2max_views,
        fitness_views,
        heatmap_views,
        strava_views,
        admin_views,
        app_views,
        email_preference_views,
        gear_views,
        sharing_views,
        csp_report,
    )
    for module in views:
        module.bind(api)
    api.check_all_bound()
    return api
