/*
** household.h: registered poor households (建档立卡) and their members.
**
** A household belongs to a village or group node, has a location (WGS-84,
** kept in the spatial index household_geo), a status with a dated history
** (poor 贫困户, exited 已脱贫, monitored 监测户, removed), poverty causes, the
** 两不愁三保障 indicators, yearly income by source, help pairs and visits.
** Members carry national ID numbers (GB 11643) and phones encrypted at rest,
** blind-indexed (duplicates are refused county-wide) and masked.
** Callers hold the transaction; every change is audited with masked values.
*/
#ifndef XC_HOUSEHOLD_H
#define XC_HOUSEHOLD_H

#include <jansson.h>
#include <stdint.h>
#include "audit/audit.h"
#include "core/strbuf.h"
#include "db/db.h"

#define HH_MAX_CAUSES 9

extern const char *const HH_STATUSES[];     /* poor, exited, monitored, removed */
extern const char *const HH_CAUSES[];       /* illness, disability, schooling, skills, labour, funds, land, disaster, other */
extern const char *const HH_INDICATORS[];   /* food, clothing, education, medical, housing, water */
extern const char *const HH_INCOME_SOURCES[]; /* wages, farming, business, property, transfers, expenses */
extern const char *const MEMBER_RELATIONS[];
extern const char *const MEMBER_HEALTH[];
extern const char *const MEMBER_EDUCATION[];
extern const char *const MEMBER_LABOUR[];

/* Fields of a create or update; NULL / has_* = 0 means "not given" (keep on update). */
typedef struct household_in {
    const char *number;         /* household number, 1-32 chars; required on create */
    int64_t org_id;             /* village or group node; 0 = keep */
    const char *address;
    int has_location;           /* 1: lat/lon given; -1: clear the location */
    double lat, lon;
    const char *status;         /* only on create (default "poor"); later: household_set_status */
    int has_causes;
    int ncauses;
    const char *causes[HH_MAX_CAUSES];
    const char *notes;
    int64_t visit_interval_days; /* 0 = keep / default 30 */
} household_in;

typedef struct member_in {
    const char *name;
    const char *id_number;      /* required on add; never changed later */
    const char *relation, *health, *education, *labour;
    const char *phone;          /* "" clears */
    int joined;                 /* -1 = keep */
} member_in;

/* Check a household's fields without touching the database except for the org
** node (must exist and be a village or group). */
int household_validate(db *d, const household_in *in, int creating, xerr *e);
/* Whether s is a valid household number: 1-32 ASCII letters, digits or hyphens. */
int household_number_valid(const char *s);
int household_create(db *d, const audit_ctx *ctx, const household_in *in, int64_t *id_out, xerr *e);
int household_update(db *d, const audit_ctx *ctx, int64_t id, const household_in *in, xerr *e);
/* 0 when absent; -1 on error. */
int64_t household_id_by_number(db *d, const char *number, xerr *e);
/* Record a status change with its effective date (YYYY-MM-DD) and reason. */
int household_set_status(db *d, const audit_ctx *ctx, int64_t id, const char *status, const char *date,
                         const char *reason, xerr *e);
int household_set_guarantee(db *d, const audit_ctx *ctx, int64_t id, const char *indicator, int met,
                            const char *note, xerr *e);
/* amounts in yuan, in HH_INCOME_SOURCES order. */
int household_set_income(db *d, const audit_ctx *ctx, int64_t id, int64_t year, const int64_t amounts[6],
                         xerr *e);

/* The household as the API shows it. full = 0: the list/map summary;
** full = 1: with members (masked), causes, guarantees, incomes, helpers and
** the status history. */
json_t *household_get_json(db *d, int64_t id, int full, xerr *e);
/* The org path of a household's node (for scope checks). 404 when absent. */
int household_org_path(db *d, int64_t id, char path[256], xerr *e);

/* SELECT ... FROM member whose rows member_row_json() reads (now: for ages). */
#define MEMBER_SELECT \
    "SELECT id, household_id, name, id_mask, relation, sex, birth_date, health, education, labour," \
    " phone_mask, joined FROM member"
json_t *member_row_json(db_stmt *st, int64_t now);

int member_add(db *d, const audit_ctx *ctx, int64_t household_id, const member_in *in, int64_t *id_out,
               xerr *e);
int member_update(db *d, const audit_ctx *ctx, int64_t id, const member_in *in, xerr *e);
int member_delete(db *d, const audit_ctx *ctx, int64_t id, xerr *e);
/* The member whose ID number this is, 0 when none; -1 on error. */
int64_t member_id_by_id_number(db *d, const char *id_number, xerr *e);
/* Decrypt a member's "id_number" or "phone" into out (audit it yourself). */
int member_reveal(db *d, int64_t id, const char *field, strbuf *out, xerr *e);
/* The household a member belongs to; 0 when the member does not exist. */
int64_t member_household(db *d, int64_t member_id, xerr *e);

#endif
