/*
** api.h: the handlers behind the routes in api/routes.c, one file per
** resource (session.c, me.c, org.c, users.c, audit.c, settings.c,
** system.c), and the shared helpers they use (common.c).
*/
#ifndef XC_API_H
#define XC_API_H

#include "http/http.h"
#include "audit/audit.h"
#include "db/db_json.h"

/* common.c */
/* The half-open range [lo, hi) of tree paths inside the subtree at path
** (paths hold only digits and '/', and '0' follows '/'), so subtree queries
** use the path index on both back ends. */
void scope_range(const char *path, char lo[256], char hi[256]);
/* {"items":items,"total":total,"page":page,"per_page":per_page} */
void reply_list(req *r, json_t *items, int64_t total, int64_t page, int64_t per_page);
/* A whole list in one page (the list is bounded by its query): total = the items. */
void reply_all(req *r, json_t *items);
/* Audit context of the request. */
audit_ctx api_ctx(const req *r);
/* Begin a write transaction; the router rolls back when a handler fails. */
int api_begin(req *r);
int api_commit(req *r);
/* Commit the open transaction, if any, then answer with body (stolen). Build
** the answer inside the transaction, so failing to read it back can never
** follow a committed change; on a failed commit nothing is answered but the error. */
int api_commit_reply(req *r, int status, json_t *body);
/* Answer with the finished export t as the file xiangcun-NAME-YYYYMMDD.(csv|xlsx),
** after auditing it as action on entity with its format and row count (bulk
** reads of personal data are recorded, never their content). The caller
** still frees t. */
struct table_out;
int api_reply_export(req *r, struct table_out *t, const char *name, const char *action, const char *entity);
/* "%text%" for LIKE ... ESCAPE '\\', with LIKE's wildcards in the text escaped. */
void api_like_pattern(const char *q, strbuf *out);
/* Check the caller's own password (re-authentication before sensitive acts). */
int api_reauth(req *r, const char *password);

/* A WHERE clause built from fixed fragments for the filters a request
** actually gives, so each query stays index-friendly; values are always bound.
** Each '?' in a fragment becomes the next $N (all '?' of one fragment share it). */
#define WHERE_MAX 12
typedef struct where {
    strbuf sql;
    int n;
    int is_int[WHERE_MAX];
    const char *text[WHERE_MAX];
    int64_t num[WHERE_MAX];
} where;
void where_text(where *w, const char *fragment, const char *value);
void where_int(where *w, const char *fragment, int64_t value);
/* Bind the values collected so far; returns the next free parameter number. */
int where_bind(const where *w, db_stmt *st);
void where_release(where *w);
/* One page of a list: `select` ("SELECT ... FROM ...") WHERE w ORDER BY
** order, with LIMIT and OFFSET bound after w's values; row makes each row
** JSON (ctx passed through; NULL fails the page with 500). NULL on error. */
json_t *api_page(req *r, const char *select, const where *w, const char *order, int64_t page, int64_t per_page,
                 db_row_fn row, const void *ctx);
/* SELECT COUNT(*) FROM from WHERE w: the total of a list; -1 on error. */
int64_t api_count(req *r, const char *from, const where *w);
/* The subtree a list covers: the caller's, or ?org_id= inside it (checked). */
int api_list_path(req *r, char path[256]);

/* households.c: the household query shared by the list, the map and exports. */
typedef struct hh_query {
    where w;
    strbuf like;
    char lo[256], hi[256], bidx[65];
} hh_query;
/* Scope (the caller's subtree or ?org_id=, a villager's own household) and
** the filters status, cause, unmet, helper_id, q, id_number, on alias h. */
int hh_query_init(req *r, hh_query *q);
void hh_query_release(hh_query *q);
/* A villager's household id (0 for other roles, -2 when none, -1 on error). */
int64_t hh_villager_household(req *r);
/* Check the caller may see household id: 0, or -1 with 404/403. */
int hh_check(req *r, int64_t id);
/* The household of the record named by the route's {id}: sql ($1 = id) gives
** its household id; 404 naming what when there is none, else hh_check(). */
int hh_check_record(req *r, const char *sql, const char *what);
/* Answer with the household file (full unless a cadre who does not help it). */
int hh_reply(req *r, int status, int64_t id);

/* scope.c: scope functions used by the route table */
int scope_org_param(req *r);
int scope_user_param(req *r);
int scope_body_org(req *r);
int scope_body_parent(req *r);
int scope_household_param(req *r);
int scope_member_param(req *r);
int scope_help_pair_param(req *r);
int scope_visit_param(req *r);
int scope_visit_photo_param(req *r);
int scope_county(req *r);

/* system.c */
int h_healthz(req *r);
int h_metrics(req *r);
/* session.c */
/* A failed password or code check: count it against user_id (0: no account
** to count; the fifth failure locks the account for 15 minutes), audit it
** as action, commit, and answer code (423 once locked). Returns -1. */
int api_auth_failed(req *r, const char *login, int64_t user_id, const char *action, const char *code);
int h_login(req *r);
int h_logout(req *r);
/* me.c */
int h_me(req *r);
int h_me_password(req *r);
int h_me_sessions(req *r);
int h_me_session_delete(req *r);
int h_me_tokens(req *r);
int h_me_token_create(req *r);
int h_me_token_delete(req *r);
int h_me_totp_begin(req *r);
int h_me_totp_confirm(req *r);
int h_me_totp_disable(req *r);
/* org.c */
int h_org_list(req *r);
int h_org_get(req *r);
int h_org_create(req *r);
int h_org_update(req *r);
/* users.c */
int h_users_list(req *r);
int h_user_get(req *r);
int h_user_create(req *r);
int h_user_update(req *r);
int h_user_password(req *r);
int h_user_reveal(req *r);
/* audit.c */
int h_audit_list(req *r);
int h_audit_csv(req *r);
/* households.c */
int h_households_list(req *r);
int h_household_create(req *r);
int h_household_get(req *r);
int h_household_update(req *r);
int h_household_status(req *r);
int h_household_guarantees(req *r);
int h_household_income(req *r);
int h_household_timeline(req *r);
/* members.c */
int h_member_create(req *r);
int h_member_update(req *r);
int h_member_delete(req *r);
int h_member_reveal(req *r);
/* visits.c */
int h_helper_add(req *r);
int h_help_pair_end(req *r);
int h_visits_list(req *r);
int h_visit_create(req *r);
int h_visit_photo_add(req *r);
int h_visit_photo_get(req *r);
int h_visits_overdue(req *r);
int h_my_households(req *r);
/* map.c */
int h_map_households(req *r);
int h_map_boundaries(req *r);
/* targets.c */
int h_targets_get(req *r);
int h_target_put(req *r);
/* settings.c */
int h_settings_get(req *r);
int h_settings_update(req *r);

/* imports.c: household import jobs and the import template */
int h_import_create(req *r);
int h_import_get(req *r);
int h_import_report(req *r);
int h_import_template_csv(req *r);
int h_import_template_xlsx(req *r);
/* Mark import jobs that a stopped server left unfinished as failed (at start-up). */
int import_jobs_recover(db *d, xerr *e);
/* exports.c: the household ledger (台账) with the list's filters */
int h_households_export_csv(req *r);
int h_households_export_xlsx(req *r);

/* Duty supervision of first secretaries (docs/DUTY.md). Handlers that take
** an {id} have a scope function in the same file. */
/* duty_scope.c: a secretary sees only their own duty records, other readers
** those of the secretaries in their subtree. */
int duty_self_only(const req *r);
/* May the caller see the records of user_id, whose village has path `path`? 0 or 403. */
int duty_may_see(req *r, int64_t user_id, const char *path);
/* The record named by the route's {id}: sql ($1 = id) gives its (user_id,
** village path); 0, or 404 naming what, or 403. */
int duty_scope_record(req *r, const char *sql, const char *what);
/* user_id must be a secretary (404) the caller may see (403; for a secretary
** any other id is 403). */
int duty_check_secretary(req *r, int64_t user_id);
/* duty_checkins.c: check-ins from the web button and devices, photos, tracks */
int h_duty_checkin_create(req *r);
int h_duty_checkins_list(req *r);
int h_duty_checkin_photo_add(req *r);
int h_duty_checkin_photo_get(req *r);
int h_duty_devices_list(req *r);
int h_duty_device_create(req *r);
int h_duty_device_delete(req *r);
/* The OsmAnd / Traccar Client receiver (also every path of XIANGCUN_OSMAND_LISTEN). */
int h_osmand(req *r);
int scope_checkin_param(req *r);
int scope_checkin_photo_param(req *r);
int scope_device_param(req *r);
/* duty_spot.c: spot checks (约请) and the live event stream */
int h_events(req *r);
int h_spot_checks_list(req *r);
int h_spot_check_create(req *r);
int h_spot_check_cancel(req *r);
int scope_spot_check_param(req *r);
/* duty_rules.c: settings, calendar, geofences, leave, inquiries, sanctions, the job on demand */
int h_duty_settings_get(req *r);
int h_duty_settings_update(req *r);
int h_duty_calendar_get(req *r);
int h_duty_calendar_put(req *r);
int h_geofence_get(req *r);
int h_geofence_put(req *r);
int h_geofence_delete(req *r);
int h_duty_leaves_list(req *r);
int h_duty_leave_create(req *r);
int h_duty_leave_decide(req *r);
int h_duty_leave_cancel(req *r);
int h_inquiries_list(req *r);
int h_inquiry_update(req *r);
int h_inquiry_decide(req *r);
int h_sanctions_list(req *r);
int h_sanction_decide(req *r);
int h_duty_evaluate(req *r);
int scope_leave_param(req *r);
int scope_inquiry_param(req *r);
int scope_sanction_param(req *r);
/* duty_reports.c: the location ledger, the today view, the annual evaluation, published figures */
int h_duty_ledger(req *r);
int h_duty_ledger_csv(req *r);
int h_duty_ledger_xlsx(req *r);
int h_duty_today(req *r);
int h_duty_evaluation(req *r);
int h_duty_evaluation_csv(req *r);
int h_duty_evaluation_xlsx(req *r);
int h_duty_stats(req *r);

#endif
