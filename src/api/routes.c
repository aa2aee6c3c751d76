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
    {POST, "/api/v1/users/{id}/reveal", h_user_reveal, P_PII_REVEAL, scope_user_param, R_JSON},

    {GET, "/api/v1/audit", h_audit_list, P_AUDIT_READ, scope_county, 0},
    {GET, "/api/v1/audit.csv", h_audit_csv, P_AUDIT_READ, scope_county, 0},

    {GET, "/api/v1/settings", h_settings_get, P_SETTINGS, scope_county, 0},
    {PATCH, "/api/v1/settings", h_settings_update, P_SETTINGS, scope_county, R_JSON},
};

const int N_ROUTES = (int)(sizeof ROUTES / sizeof ROUTES[0]);
