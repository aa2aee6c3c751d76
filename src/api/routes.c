/*
** routes.c: every route of the HTTP API, the permission it needs and how its
** scope is checked. Adding a route here without a row in the access-control
** test table (tests/api/access.test.mjs) fails the test suite.
*/
#include "api/api.h"
#include "http/router.h"

#define GET "GET"
#define POST "POST"
#define PATCH "PATCH"
#define DELETE "DELETE"
#define PUT "PUT"

const route ROUTES[] = {
    {GET, "/healthz", h_healthz, 0, NULL, R_PUBLIC},
    {GET, "/metrics", h_metrics, 0, NULL, R_PUBLIC},

    {POST, "/api/v1/session", h_login, 0, NULL, R_PUBLIC | R_JSON},
    {DELETE, "/api/v1/session", h_logout, P_AUTH, NULL, R_ENROLL_OK},

    {GET, "/api/v1/me", h_me, P_AUTH, NULL, R_ENROLL_OK},
    {POST, "/api/v1/me/password", h_me_password, P_AUTH, NULL, R_JSON | R_ENROLL_OK},
    {GET, "/api/v1/me/sessions", h_me_sessions, P_AUTH, NULL, R_ENROLL_OK},
    {DELETE, "/api/v1/me/sessions/{id}", h_me_session_delete, P_AUTH, NULL, R_ENROLL_OK},
    {GET, "/api/v1/me/tokens", h_me_tokens, P_AUTH, NULL, 0},
    {POST, "/api/v1/me/tokens", h_me_token_create, P_AUTH, NULL, R_JSON},
    {DELETE, "/api/v1/me/tokens/{id}", h_me_token_delete, P_AUTH, NULL, 0},
    {POST, "/api/v1/me/totp", h_me_totp_begin, P_AUTH, NULL, R_ENROLL_OK},
    {POST, "/api/v1/me/totp/confirm", h_me_totp_confirm, P_AUTH, NULL, R_JSON | R_ENROLL_OK},
    {DELETE, "/api/v1/me/totp", h_me_totp_disable, P_AUTH, NULL, R_JSON},

    {GET, "/api/v1/org", h_org_list, P_ORG_READ, NULL, 0},
    {GET, "/api/v1/org/{id}", h_org_get, P_ORG_READ, scope_org_param, 0},
    {POST, "/api/v1/org", h_org_create, P_ORG_WRITE, scope_body_parent, R_JSON},
    {PATCH, "/api/v1/org/{id}", h_org_update, P_ORG_WRITE, scope_org_param, R_JSON},

    {GET, "/api/v1/users", h_users_list, P_USER_READ, NULL, 0},
    {POST, "/api/v1/users", h_user_create, P_USER_WRITE, scope_body_org, R_JSON},
    {GET, "/api/v1/users/{id}", h_user_get, P_USER_READ, scope_user_param, 0},
    {PATCH, "/api/v1/users/{id}", h_user_update, P_USER_WRITE, scope_user_param, R_JSON},
    {POST, "/api/v1/users/{id}/password", h_user_password, P_USER_WRITE, scope_user_param, R_JSON},
    /* Staff phones: for user administrators only (officials and secretaries
    ** reveal household members' data, not their colleagues'). */
    {POST, "/api/v1/users/{id}/reveal", h_user_reveal, P_USER_WRITE | P_PII_REVEAL, scope_user_param, R_JSON},

    {GET, "/api/v1/audit", h_audit_list, P_AUDIT_READ, scope_county, 0},
    {GET, "/api/v1/audit.csv", h_audit_csv, P_AUDIT_READ, scope_county, 0},

    /* Households (户): registry, members, helpers, visits, map, targets. */
    {GET, "/api/v1/households", h_households_list, P_HH_READ, NULL, 0},
    {POST, "/api/v1/households", h_household_create, P_HH_WRITE, scope_body_org, R_JSON},
    {GET, "/api/v1/households/{id}", h_household_get, P_HH_READ, scope_household_param, 0},
    {PATCH, "/api/v1/households/{id}", h_household_update, P_HH_WRITE, scope_household_param, R_JSON},
    {POST, "/api/v1/households/{id}/status", h_household_status, P_HH_WRITE, scope_household_param, R_JSON},
    {PUT, "/api/v1/households/{id}/guarantees", h_household_guarantees, P_HH_WRITE, scope_household_param, R_JSON},
    {PUT, "/api/v1/households/{id}/income/{year}", h_household_income, P_HH_WRITE, scope_household_param, R_JSON},
    {GET, "/api/v1/households/{id}/timeline", h_household_timeline, P_HH_READ, scope_household_param, 0},
    {POST, "/api/v1/households/{id}/members", h_member_create, P_HH_WRITE, scope_household_param, R_JSON},
    {PATCH, "/api/v1/members/{id}", h_member_update, P_HH_WRITE, scope_member_param, R_JSON},
    {DELETE, "/api/v1/members/{id}", h_member_delete, P_HH_WRITE, scope_member_param, 0},
    {POST, "/api/v1/members/{id}/reveal", h_member_reveal, P_PII_REVEAL, scope_member_param, R_JSON},
    {POST, "/api/v1/households/{id}/helpers", h_helper_add, P_HH_WRITE, scope_household_param, R_JSON},
    {DELETE, "/api/v1/help-pairs/{id}", h_help_pair_end, P_HH_WRITE, scope_help_pair_param, 0},
    {GET, "/api/v1/households/{id}/visits", h_visits_list, P_HH_READ, scope_household_param, 0},
    {POST, "/api/v1/households/{id}/visits", h_visit_create, P_HH_WRITE, scope_household_param, R_JSON},
    /* Visit photos: raw JPEG/PNG/WebP body (5 MiB), added by the visit's cadre or a household writer. */
    {POST, "/api/v1/visits/{id}/photos", h_visit_photo_add, P_HH_WRITE, scope_visit_param, R_UPLOAD},
    {GET, "/api/v1/visit-photos/{id}", h_visit_photo_get, P_HH_READ, scope_visit_photo_param, 0},
    {GET, "/api/v1/visits/overdue", h_visits_overdue, P_HH_READ, NULL, 0},
    {GET, "/api/v1/me/households", h_my_households, P_HH_READ, NULL, 0},
    {GET, "/api/v1/map/households", h_map_households, P_HH_READ, NULL, 0},
    {GET, "/api/v1/map/boundaries", h_map_boundaries, P_HH_READ, NULL, 0},
    {GET, "/api/v1/targets", h_targets_get, P_HH_READ, NULL, 0},
    {PUT, "/api/v1/targets/{id}/{year}", h_target_put, P_TARGET_WRITE, scope_org_param, R_JSON},

    {GET, "/api/v1/settings", h_settings_get, P_SETTINGS, scope_county, 0},
    {PATCH, "/api/v1/settings", h_settings_update, P_SETTINGS, scope_county, R_JSON},

    /* Household import (raw CSV/XLSX body, run as a job; rows outside the
    ** caller's subtree are bad rows) and the ledger export with the list's filters. */
    {POST, "/api/v1/imports", h_import_create, P_HH_WRITE, NULL, R_UPLOAD},
    {GET, "/api/v1/imports/{id}", h_import_get, P_HH_WRITE, NULL, 0},
    {GET, "/api/v1/imports/{id}/report.csv", h_import_report, P_HH_WRITE, NULL, 0},
    {GET, "/api/v1/imports/template.csv", h_import_template_csv, P_HH_WRITE, NULL, 0},
    {GET, "/api/v1/imports/template.xlsx", h_import_template_xlsx, P_HH_WRITE, NULL, 0},
    {GET, "/api/v1/households/export.csv", h_households_export_csv, P_HH_READ, NULL, 0},
    {GET, "/api/v1/households/export.xlsx", h_households_export_xlsx, P_HH_READ, NULL, 0},

    /* Duty supervision of first secretaries (docs/DUTY.md). */
    {POST, "/api/v1/duty/checkins", h_duty_checkin_create, P_DUTY_CHECKIN, NULL, R_JSON},
    {GET, "/api/v1/duty/checkins", h_duty_checkins_list, P_DUTY_READ, NULL, 0},
    {POST, "/api/v1/duty/checkins/{id}/photos", h_duty_checkin_photo_add, P_DUTY_CHECKIN, scope_checkin_param, R_UPLOAD},
    {GET, "/api/v1/duty/checkin-photos/{id}", h_duty_checkin_photo_get, P_DUTY_READ, scope_checkin_photo_param, 0},
    {GET, "/api/v1/duty/devices", h_duty_devices_list, P_DUTY_CHECKIN, NULL, 0},
    {POST, "/api/v1/duty/devices", h_duty_device_create, P_DUTY_CHECKIN, NULL, R_JSON},
    {DELETE, "/api/v1/duty/devices/{id}", h_duty_device_delete, P_DUTY_CHECKIN, scope_device_param, 0},
    /* Traccar Client / OsmAnd: the registered device identifier is the credential. */
    {GET, "/api/v1/osmand", h_osmand, 0, NULL, R_PUBLIC},
    {POST, "/api/v1/osmand", h_osmand, 0, NULL, R_PUBLIC},
    /* An open page reconnects its event stream on its own: that is not activity. */
    {GET, "/api/v1/events", h_events, P_AUTH, NULL, R_PASSIVE},
    {GET, "/api/v1/duty/spot-checks", h_spot_checks_list, P_DUTY_READ, NULL, 0},
    {POST, "/api/v1/duty/spot-checks", h_spot_check_create, P_DUTY_SUPERVISE, NULL, R_JSON},
    {POST, "/api/v1/duty/spot-checks/{id}/cancel", h_spot_check_cancel, P_DUTY_SUPERVISE, scope_spot_check_param, 0},
    {GET, "/api/v1/duty/settings", h_duty_settings_get, P_DUTY_READ, NULL, 0},
    {PATCH, "/api/v1/duty/settings", h_duty_settings_update, P_SETTINGS, scope_county, R_JSON},
    {GET, "/api/v1/duty/calendar", h_duty_calendar_get, P_DUTY_READ, NULL, 0},
    {PUT, "/api/v1/duty/calendar/{year}", h_duty_calendar_put, P_SETTINGS, scope_county, R_JSON},
    {GET, "/api/v1/org/{id}/geofence", h_geofence_get, P_DUTY_READ, scope_org_param, 0},
    {PUT, "/api/v1/org/{id}/geofence", h_geofence_put, P_DUTY_SUPERVISE, scope_org_param, R_JSON},
    {DELETE, "/api/v1/org/{id}/geofence", h_geofence_delete, P_DUTY_SUPERVISE, scope_org_param, 0},
    {GET, "/api/v1/duty/leaves", h_duty_leaves_list, P_DUTY_READ, NULL, 0},
    {POST, "/api/v1/duty/leaves", h_duty_leave_create, P_DUTY_CHECKIN, NULL, R_JSON},
    {POST, "/api/v1/duty/leaves/{id}/decision", h_duty_leave_decide, P_DUTY_SUPERVISE, scope_leave_param, R_JSON},
    {DELETE, "/api/v1/duty/leaves/{id}", h_duty_leave_cancel, P_DUTY_CHECKIN, scope_leave_param, 0},
    {GET, "/api/v1/duty/inquiries", h_inquiries_list, P_DUTY_READ, NULL, 0},
    {PATCH, "/api/v1/duty/inquiries/{id}", h_inquiry_update, P_DUTY_SUPERVISE, scope_inquiry_param, R_JSON},
    {POST, "/api/v1/duty/inquiries/{id}/decision", h_inquiry_decide, P_DUTY_SUPERVISE, scope_inquiry_param, R_JSON},
    {GET, "/api/v1/duty/sanctions", h_sanctions_list, P_DUTY_READ, NULL, 0},
    {POST, "/api/v1/duty/sanctions/{id}/decision", h_sanction_decide, P_DUTY_SUPERVISE, scope_sanction_param, R_JSON},
    {POST, "/api/v1/duty/evaluate", h_duty_evaluate, P_SETTINGS, scope_county, 0},
    {GET, "/api/v1/duty/ledger", h_duty_ledger, P_DUTY_READ, NULL, 0},
    {GET, "/api/v1/duty/ledger.csv", h_duty_ledger_csv, P_DUTY_READ, NULL, 0},
    {GET, "/api/v1/duty/ledger.xlsx", h_duty_ledger_xlsx, P_DUTY_READ, NULL, 0},
    {GET, "/api/v1/duty/today", h_duty_today, P_DUTY_READ, NULL, 0},
    {GET, "/api/v1/duty/evaluation", h_duty_evaluation, P_DUTY_READ, NULL, 0},
    {GET, "/api/v1/duty/evaluation.csv", h_duty_evaluation_csv, P_DUTY_READ, NULL, 0},
    {GET, "/api/v1/duty/evaluation.xlsx", h_duty_evaluation_xlsx, P_DUTY_READ, NULL, 0},
    {GET, "/api/v1/duty/stats", h_duty_stats, P_DUTY_READ, NULL, 0},
};

const int N_ROUTES = (int)(sizeof ROUTES / sizeof ROUTES[0]);
