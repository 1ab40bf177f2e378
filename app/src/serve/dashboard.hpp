#pragma once
// The operator's dashboard and the static files behind the daemon's pages
// (docs/dashboard.md):
//
//   GET /                the dashboard: one HTML page whose script reads the
//                        JSON API with the operator's API key (typed into its
//                        login form, kept in the tab's sessionStorage)
//   GET /assets/{path}   the files compiled in from web/assets (signflow::web)
//
// Both are open (auth.cpp): they hold no data, only code. Everything the page
// shows comes from /v1/… with the key, so the key's checks stay in one place.
// Every answer carries a strict Content-Security-Policy (no inline script or
// style, nothing from another origin), an ETag (If-None-Match → 304) and
// Cache-Control: no-cache, so an upgraded daemon never serves a stale script.
#include "api.hpp"

namespace signflow::app {

// The security headers of every page and asset the daemon serves to a browser.
void add_page_headers(http::Response& r);

// GET /assets/{path}: 200 with the bytes, 304 when If-None-Match names the
// current ETag, 404 for an unknown path, 405 for another method.
Routes make_asset_routes();

// GET /: the dashboard's page (web/assets/dashboard.html).
Routes make_dashboard_routes();

// GET /v1/quotas (admin): every loaded workflow's quotas and their use this
// period (Runtime::quotas; docs/http-api.md), which the dashboard shows.
Routes make_quota_routes(engine::Runtime& runtime);

}  // namespace signflow::app
