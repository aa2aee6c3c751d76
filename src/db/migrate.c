/*
** migrate.c: the schema of xiangcun and its versioned migrations (migrate.h).
**
** The SQL is shared by both back ends; the few dialect differences are the
** {{PK}} token (an auto-assigned 64-bit key) and per-back-end extras such as
** the triggers that make the audit log append-only.
*/
#include "db/migrate.h"
#include "core/strbuf.h"
#include "core/clock.h"

#include <string.h>

typedef struct migration {
    int version;
    const char *name;
    const char *common;     /* both back ends, after token substitution */
    const char *sqlite;     /* SQLite only, may be NULL */
    const char *pg;         /* PostgreSQL only, may be NULL */
} migration;

static const migration MIGRATIONS[] = {
    {1, "core",
     "CREATE TABLE org_node ("
     "  id {{PK}},"
     "  parent_id BIGINT REFERENCES org_node(id),"
     "  code TEXT NOT NULL UNIQUE,"
     "  name TEXT NOT NULL,"
     "  level TEXT NOT NULL CHECK (level IN ('county','town','village','group')),"
     "  path TEXT NOT NULL,"
     "  depth BIGINT NOT NULL,"
     "  created_at BIGINT NOT NULL,"
     "  updated_at BIGINT NOT NULL);"
     "CREATE INDEX org_node_parent ON org_node(parent_id);"
     "CREATE INDEX org_node_path ON org_node(path);"
     "CREATE TABLE app_user ("
     "  id {{PK}},"
     "  login TEXT NOT NULL UNIQUE,"
     "  display_name TEXT NOT NULL,"
     "  role TEXT NOT NULL CHECK (role IN "
     "    ('admin','auditor','official','secretary','cadre','villager')),"
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"
     "  phone_enc TEXT,"
     "  phone_bidx TEXT,"
     "  phone_mask TEXT,"
     "  password_hash TEXT NOT NULL,"
     "  disabled BIGINT NOT NULL DEFAULT 0,"
     "  failed_logins BIGINT NOT NULL DEFAULT 0,"
     "  locked_until BIGINT NOT NULL DEFAULT 0,"
     "  totp_secret_enc TEXT,"
     "  totp_enabled BIGINT NOT NULL DEFAULT 0,"
     "  totp_last_step BIGINT NOT NULL DEFAULT 0,"
     "  created_at BIGINT NOT NULL,"
     "  updated_at BIGINT NOT NULL,"
     "  last_login_at BIGINT);"
     "CREATE INDEX app_user_org ON app_user(org_id);"
     "CREATE INDEX app_user_phone_bidx ON app_user(phone_bidx);"
     "CREATE TABLE user_session ("
     "  id {{PK}},"
     "  token_hash TEXT NOT NULL UNIQUE,"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  csrf TEXT NOT NULL,"
     "  must_enroll BIGINT NOT NULL DEFAULT 0,"
     "  created_at BIGINT NOT NULL,"
     "  last_seen_at BIGINT NOT NULL,"
     "  ip TEXT,"
     "  user_agent TEXT);"
     "CREATE INDEX user_session_user ON user_session(user_id);"
     "CREATE TABLE api_token ("
     "  id {{PK}},"
     "  token_hash TEXT NOT NULL UNIQUE,"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  name TEXT NOT NULL,"
     "  created_at BIGINT NOT NULL,"
     "  last_used_at BIGINT);"
     "CREATE INDEX api_token_user ON api_token(user_id);"
     "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE audit_log ("
     "  seq BIGINT PRIMARY KEY,"
     "  ts BIGINT NOT NULL,"
     "  actor_id BIGINT,"
     "  actor_login TEXT,"
     "  ip TEXT,"
     "  action TEXT NOT NULL,"
     "  entity TEXT,"
     "  entity_id TEXT,"
     "  before_json TEXT,"
     "  after_json TEXT,"
     "  prev_hash TEXT NOT NULL,"
     "  hash TEXT NOT NULL);"
     "CREATE INDEX audit_log_ts ON audit_log(ts);"
     "CREATE INDEX audit_log_action ON audit_log(action);"
     "CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);"
     "CREATE INDEX audit_log_actor ON audit_log(actor_login);",
     /* SQLite: the audit log refuses UPDATE and DELETE. */
     "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
     "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
     "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
     "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
     /* PostgreSQL: the same with a statement trigger (also covers TRUNCATE)
     ** and no rights for anyone but the owner. */
     "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
     "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'check_violation'; END $$;"
     "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
     "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();"
     "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;"},
    {2, "households",
     "CREATE TABLE household ("
     "  id {{PK}},"
     "  number TEXT NOT NULL UNIQUE,"
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"
     "  head_name TEXT NOT NULL DEFAULT '',"
     "  address TEXT NOT NULL DEFAULT '',"
     "  lat DOUBLE PRECISION,"
     "  lon DOUBLE PRECISION,"
     "  status TEXT NOT NULL CHECK (status IN ('poor','exited','monitored','removed')),"
     "  visit_interval_days BIGINT NOT NULL DEFAULT 30,"
     "  notes TEXT NOT NULL DEFAULT '',"
     "  created_at BIGINT NOT NULL,"
     "  updated_at BIGINT NOT NULL);"
     "CREATE INDEX household_org ON household(org_id);"
     "CREATE INDEX household_status_idx ON household(status);"
     "CREATE TABLE household_cause ("
     "  household_id BIGINT NOT NULL REFERENCES household(id),"
     "  cause TEXT NOT NULL CHECK (cause IN ('illness','disability','schooling','skills','labour',"
     "    'funds','land','disaster','other')),"
     "  PRIMARY KEY (household_id, cause));"
     "CREATE INDEX household_cause_cause ON household_cause(cause);"
     "CREATE TABLE household_guarantee ("
     "  household_id BIGINT NOT NULL REFERENCES household(id),"
     "  indicator TEXT NOT NULL CHECK (indicator IN ('food','clothing','education','medical','housing','water')),"
     "  met BIGINT NOT NULL,"
     "  note TEXT NOT NULL DEFAULT '',"
     "  PRIMARY KEY (household_id, indicator));"
     "CREATE INDEX household_guarantee_unmet ON household_guarantee(indicator, met);"
     "CREATE TABLE household_income ("
     "  household_id BIGINT NOT NULL REFERENCES household(id),"
     "  year BIGINT NOT NULL,"
     "  wages BIGINT NOT NULL DEFAULT 0,"
     "  farming BIGINT NOT NULL DEFAULT 0,"
     "  business BIGINT NOT NULL DEFAULT 0,"
     "  property BIGINT NOT NULL DEFAULT 0,"
     "  transfers BIGINT NOT NULL DEFAULT 0,"
     "  expenses BIGINT NOT NULL DEFAULT 0,"
     "  PRIMARY KEY (household_id, year));"
     "CREATE TABLE household_status ("
     "  id {{PK}},"
     "  household_id BIGINT NOT NULL REFERENCES household(id),"
     "  status TEXT NOT NULL,"
     "  effective_date TEXT NOT NULL,"
     "  reason TEXT NOT NULL,"
     "  changed_at BIGINT NOT NULL,"
     "  changed_by BIGINT);"
     "CREATE INDEX household_status_hh ON household_status(household_id);"
     "CREATE INDEX household_status_exit ON household_status(status, effective_date);"
     "CREATE TABLE member ("
     "  id {{PK}},"
     "  household_id BIGINT NOT NULL REFERENCES household(id),"
     "  name TEXT NOT NULL,"
     "  id_enc TEXT NOT NULL,"
     "  id_bidx TEXT NOT NULL UNIQUE,"
     "  id_mask TEXT NOT NULL,"
     "  relation TEXT NOT NULL CHECK (relation IN ('self','spouse','child','parent','grandchild',"
     "    'sibling','in_law','other')),"
     "  sex TEXT NOT NULL CHECK (sex IN ('M','F')),"
     "  birth_date TEXT NOT NULL,"
     "  health TEXT NOT NULL DEFAULT 'healthy' CHECK (health IN ('healthy','chronic','serious','disabled')),"
     "  education TEXT NOT NULL DEFAULT 'none' CHECK (education IN ('none','preschool','primary','junior',"
     "    'senior','college','in_school')),"
     "  labour TEXT NOT NULL DEFAULT 'full' CHECK (labour IN ('full','partial','none')),"
     "  phone_enc TEXT,"
     "  phone_mask TEXT,"
     "  joined BIGINT NOT NULL DEFAULT 0,"
     "  created_at BIGINT NOT NULL,"
     "  updated_at BIGINT NOT NULL);"
     "CREATE INDEX member_household ON member(household_id);"
     "CREATE TABLE help_pair ("
     "  id {{PK}},"
     "  household_id BIGINT NOT NULL REFERENCES household(id),"
     "  cadre_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  unit TEXT NOT NULL,"
     "  start_date TEXT NOT NULL,"
     "  end_date TEXT,"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX help_pair_household ON help_pair(household_id);"
     "CREATE INDEX help_pair_cadre ON help_pair(cadre_id);"
     "CREATE TABLE visit ("
     "  id {{PK}},"
     "  household_id BIGINT NOT NULL REFERENCES household(id),"
     "  cadre_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  visited_at BIGINT NOT NULL,"
     "  lat DOUBLE PRECISION,"
     "  lon DOUBLE PRECISION,"
     "  accuracy DOUBLE PRECISION,"
     "  distance_m DOUBLE PRECISION,"
     "  flagged BIGINT NOT NULL DEFAULT 0,"
     "  notes TEXT NOT NULL DEFAULT '',"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX visit_household ON visit(household_id, visited_at);"
     "CREATE INDEX visit_cadre ON visit(cadre_id, visited_at);"
     "CREATE TABLE exit_target ("
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"
     "  year BIGINT NOT NULL,"
     "  households BIGINT NOT NULL,"
     "  people BIGINT NOT NULL,"
     "  PRIMARY KEY (org_id, year));"
     /* A villager sees their own household: the account names it. */
     "ALTER TABLE app_user ADD COLUMN household_id BIGINT REFERENCES household(id);",
     /* SQLite: an R*Tree over household locations for bounding-box queries. */
     "CREATE VIRTUAL TABLE household_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon);",
     /* PostgreSQL: the same table, indexed by GiST over all four bounds
     ** (btree_gist), which answers the same range queries in one index scan. */
     "CREATE EXTENSION IF NOT EXISTS btree_gist;"
     "CREATE TABLE household_geo (id BIGINT PRIMARY KEY, min_lat DOUBLE PRECISION NOT NULL,"
     "  max_lat DOUBLE PRECISION NOT NULL, min_lon DOUBLE PRECISION NOT NULL, max_lon DOUBLE PRECISION NOT NULL);"
     "CREATE INDEX household_geo_box ON household_geo USING gist (min_lat, max_lat, min_lon, max_lon);"},
    /* Household imports run as jobs (api/imports.c): their state survives a
    ** restart, which marks an unfinished one failed. */
    {3, "imports",
     "CREATE TABLE import_job ("
     "  id {{PK}},"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  org_path TEXT NOT NULL,"
     "  mode TEXT NOT NULL CHECK (mode IN ('validate','commit','valid_only')),"
     "  format TEXT NOT NULL CHECK (format IN ('csv','xlsx')),"
     "  status TEXT NOT NULL CHECK (status IN ('queued','running','done','rejected','failed')),"
     "  error TEXT,"
     "  rows_total BIGINT NOT NULL DEFAULT 0,"
     "  rows_done BIGINT NOT NULL DEFAULT 0,"
     "  rows_bad BIGINT NOT NULL DEFAULT 0,"
     "  households_created BIGINT NOT NULL DEFAULT 0,"
     "  households_updated BIGINT NOT NULL DEFAULT 0,"
     "  members_created BIGINT NOT NULL DEFAULT 0,"
     "  members_updated BIGINT NOT NULL DEFAULT 0,"
     "  unchanged BIGINT NOT NULL DEFAULT 0,"
     "  report TEXT,"
     "  instance TEXT NOT NULL,"
     "  created_at BIGINT NOT NULL,"
     "  updated_at BIGINT NOT NULL,"
     "  finished_at BIGINT);"
     "CREATE INDEX import_job_status ON import_job(status);",
     NULL, NULL},
    /* Photos of follow-up visits: the image itself as base64 text (at most
    ** 5 MiB raw), so it is committed, backed up and replicated with its visit. */
    {4, "visit_photo",
     "CREATE TABLE visit_photo ("
     "  id {{PK}},"
     "  visit_id BIGINT NOT NULL REFERENCES visit(id),"
     "  content_type TEXT NOT NULL,"
     "  bytes BIGINT NOT NULL,"
     "  sha256 TEXT NOT NULL,"
     "  data TEXT NOT NULL,"
     "  created_by BIGINT NOT NULL REFERENCES app_user(id),"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX visit_photo_visit ON visit_photo(visit_id);",
     NULL, NULL},
    /* First-secretary duty supervision (docs/DUTY.md): devices that report
    ** positions, village geofences, the duty calendar, check-ins (positions
    ** encrypted: tracks are sensitive personal information), leave, the daily
    ** evaluation, spot checks, inquiries and sanctions. */
    {5, "duty",
     "CREATE TABLE duty_device ("
     "  id {{PK}},"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  ident_hash TEXT NOT NULL UNIQUE,"      /* keyed hash of the device identifier */
     "  ident_hint TEXT NOT NULL,"             /* its last 4 characters, for the list */
     "  label TEXT NOT NULL,"
     "  created_at BIGINT NOT NULL,"
     "  last_seen_at BIGINT,"
     "  revoked_at BIGINT);"
     "CREATE INDEX duty_device_user ON duty_device(user_id);"
     "CREATE TABLE geofence ("
     "  org_id BIGINT PRIMARY KEY REFERENCES org_node(id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('polygon','circle')),"
     "  polygon TEXT,"                         /* JSON [[lat,lon],...] for kind polygon */
     "  center_lat DOUBLE PRECISION,"
     "  center_lon DOUBLE PRECISION,"
     "  radius_m DOUBLE PRECISION,"
     "  updated_by BIGINT NOT NULL REFERENCES app_user(id),"
     "  updated_at BIGINT NOT NULL);"
     "CREATE TABLE checkin ("
     "  id {{PK}},"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"  /* the secretary's village then */
     "  source TEXT NOT NULL CHECK (source IN ('web','osmand','traccar')),"
     "  device_id BIGINT REFERENCES duty_device(id),"
     "  pos TEXT NOT NULL,"                    /* encrypted \"lat,lon\" */
     "  accuracy DOUBLE PRECISION,"
     "  altitude DOUBLE PRECISION,"
     "  speed DOUBLE PRECISION,"               /* m/s */
     "  bearing DOUBLE PRECISION,"
     "  battery DOUBLE PRECISION,"             /* percent */
     "  device_time BIGINT NOT NULL,"
     "  received_at BIGINT NOT NULL,"
     "  at BIGINT NOT NULL,"                   /* device time, or receive time when the clock flag is set */
     "  inside BIGINT,"                        /* 1 inside the fence, 0 outside, NULL no fence */
     "  flags TEXT NOT NULL DEFAULT '',"       /* comma list: outside,accuracy,speed,clock */
     "  note TEXT);"
     "CREATE INDEX checkin_user_at ON checkin(user_id, at);"
     "CREATE INDEX checkin_org_at ON checkin(org_id, at);"
     "CREATE INDEX checkin_at ON checkin(at);"
     "CREATE TABLE checkin_photo ("
     "  id {{PK}},"
     "  checkin_id BIGINT NOT NULL REFERENCES checkin(id),"
     "  content_type TEXT NOT NULL,"
     "  bytes BIGINT NOT NULL,"
     "  sha256 TEXT NOT NULL,"
     "  data TEXT NOT NULL,"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX checkin_photo_checkin ON checkin_photo(checkin_id);"
     /* Days that differ from the weekly pattern: public holidays (working 0)
     ** and weekend days worked in their place (working 1). */
     "CREATE TABLE duty_holiday ("
     "  day TEXT PRIMARY KEY,"                 /* YYYY-MM-DD, county local time */
     "  working BIGINT NOT NULL CHECK (working IN (0,1)),"
     "  name TEXT NOT NULL);"
     "CREATE TABLE duty_leave ("
     "  id {{PK}},"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('leave','trip')),"
     "  start_day TEXT NOT NULL,"
     "  end_day TEXT NOT NULL,"
     "  reason TEXT NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','cancelled')),"
     "  decided_by BIGINT REFERENCES app_user(id),"
     "  decided_at BIGINT,"
     "  decision_note TEXT,"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX duty_leave_user ON duty_leave(user_id, start_day);"
     /* The evaluation, one row per secretary per working day and per window:
     ** the primary keys make the daily job idempotent across restarts and instances. */
     "CREATE TABLE duty_window ("
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  day TEXT NOT NULL,"
     "  idx BIGINT NOT NULL,"
     "  start_at BIGINT NOT NULL,"
     "  end_at BIGINT NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('met','missed','excused')),"
     "  checkin_id BIGINT REFERENCES checkin(id),"
     "  PRIMARY KEY (user_id, day, idx));"
     "CREATE TABLE duty_day ("
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  day TEXT NOT NULL,"
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"
     "  status TEXT NOT NULL CHECK (status IN ('present','absent','excused')),"
     "  checkins BIGINT NOT NULL,"
     "  inside BIGINT NOT NULL,"
     "  windows_met BIGINT NOT NULL,"
     "  windows_total BIGINT NOT NULL,"
     "  evaluated_at BIGINT NOT NULL,"
     "  PRIMARY KEY (user_id, day));"
     "CREATE INDEX duty_day_org ON duty_day(org_id, day);"
     "CREATE TABLE spot_check ("
     "  id {{PK}},"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"
     "  requested_by BIGINT NOT NULL REFERENCES app_user(id),"
     "  requested_at BIGINT NOT NULL,"
     "  deadline_at BIGINT NOT NULL,"
     "  note TEXT,"
     "  status TEXT NOT NULL CHECK (status IN ('open','ok','late','outside','no_answer','cancelled')),"
     "  checkin_id BIGINT REFERENCES checkin(id),"
     "  answered_at BIGINT);"
     "CREATE INDEX spot_check_user ON spot_check(user_id, requested_at);"
     "CREATE INDEX spot_check_status ON spot_check(status, deadline_at);"
     "CREATE TABLE sanction ("
     "  id {{PK}},"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('notice','interview','recall')),"
     "  status TEXT NOT NULL CHECK (status IN ('draft','approved','dismissed')),"
     "  basis TEXT NOT NULL,"                  /* why it was drafted (JSON) */
     "  scheduled_at BIGINT,"                  /* interviews */
     "  note TEXT,"
     "  created_at BIGINT NOT NULL,"
     "  decided_by BIGINT REFERENCES app_user(id),"
     "  decided_at BIGINT);"
     "CREATE INDEX sanction_user ON sanction(user_id, created_at);"
     "CREATE TABLE inquiry ("
     "  id {{PK}},"
     "  user_id BIGINT NOT NULL REFERENCES app_user(id),"
     "  org_id BIGINT NOT NULL REFERENCES org_node(id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('window','spot_check')),"
     "  day TEXT NOT NULL,"
     "  window_idx BIGINT,"
     "  spot_check_id BIGINT REFERENCES spot_check(id),"
     "  opened_at BIGINT NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('open','accepted','rejected')),"
     "  call_made BIGINT NOT NULL DEFAULT 0,"
     "  called_at BIGINT,"
     "  reason_category TEXT,"
     "  reason TEXT,"
     "  decided_by BIGINT REFERENCES app_user(id),"
     "  decided_at BIGINT,"
     "  sanction_id BIGINT REFERENCES sanction(id));"
     "CREATE INDEX inquiry_user ON inquiry(user_id, opened_at);"
     "CREATE INDEX inquiry_org ON inquiry(org_id, status);",
     NULL, NULL},
    /* One open spot check per secretary, held by the database: two supervisors
    ** asking at once could both pass the handler's check on PostgreSQL. A pair
    ** left by that race before this version keeps its older check open. And
    ** the note a supervisor gives when deciding an inquiry. Check-in lists show
    ** the spot checks each check-in answered. */
    {6, "duty_fixes",
     "UPDATE spot_check SET status = 'cancelled' WHERE status = 'open' AND EXISTS (SELECT 1 FROM spot_check o"
     "  WHERE o.user_id = spot_check.user_id AND o.status = 'open' AND o.id < spot_check.id);"
     "CREATE UNIQUE INDEX spot_check_one_open ON spot_check(user_id) WHERE status = 'open';"
     "CREATE INDEX spot_check_checkin ON spot_check(checkin_id);"
     "ALTER TABLE inquiry ADD COLUMN decision_note TEXT;",
     NULL, NULL},
    /* The web page queues a check-in made without a network and sends it
    ** again until it is stored; the phone's key for it makes a resend of a
    ** stored check-in (its answer lost on the way) find that one. */
    {7, "checkin_client_ref",
     "ALTER TABLE checkin ADD COLUMN client_ref TEXT;"
     "CREATE UNIQUE INDEX checkin_client_ref ON checkin(user_id, client_ref) WHERE client_ref IS NOT NULL;",
     NULL, NULL},
};

#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

int migrate_latest(void) { return MIGRATIONS[N_MIGRATIONS - 1].version; }

static void substitute(strbuf *out, const char *sql, db_kind kind) {
    const char *pk = kind == DB_SQLITE ? "INTEGER PRIMARY KEY"
                                       : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    for (const char *p = sql; *p;) {
        if (!strncmp(p, "{{PK}}", 6)) {
            strbuf_addstr(out, pk);
            p += 6;
        } else {
            strbuf_addch(out, *p++);
        }
    }
}

static int current_version(db *d, xerr *e) {
    if (db_exec(d, "CREATE TABLE IF NOT EXISTS schema_version ("
                   " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                e))
        return -1;
    db_stmt *st = db_prepare(d, "SELECT COALESCE(MAX(version), 0) FROM schema_version", e);
    if (!st) return -1;
    int rc = db_step(st, e);
    int v = rc == 1 ? (int)db_col_int(st, 0) : -1;
    db_done(st);
    return v;
}

static int apply(db *d, const migration *m, xerr *e) {
    strbuf sql = STRBUF_INIT;
    substitute(&sql, m->common, db_kind_of(d));
    const char *extra = db_kind_of(d) == DB_SQLITE ? m->sqlite : m->pg;
    int rc = db_begin(d, e);
    if (!rc) rc = db_exec(d, sql.buf, e);
    if (!rc && extra) rc = db_exec(d, extra, e);
    if (!rc) {
        db_stmt *st = db_prepare(
            d, "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)", e);
        rc = st ? 0 : -1;
        if (st) {
            db_bind_int(st, 1, m->version);
            db_bind_text(st, 2, m->name);
            db_bind_int(st, 3, clock_now());
            rc = db_step(st, e) < 0 ? -1 : 0;
            db_done(st);
        }
    }
    if (!rc) rc = db_commit(d, e);
    else if (db_in_tx(d)) db_rollback(d);
    strbuf_release(&sql);
    return rc;
}

int migrate_up(db *d, xerr *e) {
    /* Several instances may start at once against one PostgreSQL. */
    if (db_kind_of(d) == DB_POSTGRES && db_exec(d, "SELECT pg_advisory_lock(7460)", e)) return -1;
    int have = current_version(d, e), applied = 0;
    for (int i = 0; have >= 0 && i < N_MIGRATIONS; i++) {
        if (MIGRATIONS[i].version <= have) continue;
        if (apply(d, &MIGRATIONS[i], e)) {
            applied = -1;
            break;
        }
        applied++;
    }
    if (have < 0) applied = -1;
    if (db_kind_of(d) == DB_POSTGRES) {
        xerr ignore;
        db_exec(d, "SELECT pg_advisory_unlock(7460)", &ignore);
    }
    return applied;
}
