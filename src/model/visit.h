/*
** visit.h: helper duty (压实帮扶责任) — help pairs binding a cadre and a
** helper unit to a household for a period — and follow-up visits (走访),
** each recorded with where it was made: a visit farther from the household
** than the county setting visit_max_distance_m (default 500 m) is flagged.
** Callers hold the transaction; every change is audited.
*/
#ifndef XC_VISIT_H
#define XC_VISIT_H

#include <jansson.h>
#include <stdint.h>
#include "audit/audit.h"
#include "core/geo.h"
#include "model/photo.h"
#include "db/db.h"

#define VISIT_DEFAULT_MAX_M 500.0

int help_pair_add(db *d, const audit_ctx *ctx, int64_t household_id, int64_t cadre_id, const char *unit,
                  const char *start_date, const char *end_date, int64_t *id_out, xerr *e);
/* End an active pair today; 404 when absent or already ended. Gives its household. */
int help_pair_end(db *d, const audit_ctx *ctx, int64_t id, const char *date, int64_t *household_out, xerr *e);

typedef struct visit_in {
    int64_t household_id, cadre_id, visited_at;
    int has_location;
    double lat, lon, accuracy;
    const char *notes;
} visit_in;

int visit_record(db *d, const audit_ctx *ctx, const visit_in *in, int64_t *id_out, xerr *e);
/* SELECT ... whose rows visit_row_json() reads. */
#define VISIT_SELECT \
    "SELECT v.id, v.household_id, v.cadre_id, u.display_name, v.visited_at, v.lat, v.lon, v.accuracy," \
    " v.distance_m, v.flagged, v.notes FROM visit v JOIN app_user u ON u.id = v.cadre_id"
json_t *visit_row_json(db_stmt *st);

/* Visit photos: checked and stored as model/photo.h says. */
/* Store a photo of visit_id (whose household is household_id) and audit it
** ("visit.photo" with size and hash, never the bytes). 400 for a bad image. */
int visit_photo_add(db *d, const audit_ctx *ctx, int64_t visit_id, int64_t household_id,
                    const unsigned char *data, size_t len, int64_t *id_out, const char **ctype_out, xerr *e);
/* Add "photos":[{id,url}] to each visit object of items (in any order), for
** the visits of household_id. */
int visit_photos_attach(db *d, int64_t household_id, json_t *items, xerr *e);
/* The URL a photo is read from. */
json_t *visit_photo_ref(int64_t id);

#endif
