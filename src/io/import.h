/*
** import.h: importing household files (建档立卡) from a spreadsheet: one row
** per member, the household's columns repeated on each row or given once on
** its first row (the template and its rules are in docs/IMPORT.md).
**
** Three steps. import_parse() reads the upload (CSV or XLSX) into rows and
** checks the header: anything wrong with the file as a whole is a 400 here.
** import_plan() validates every row — ID checksums, duplicates inside the
** file and against the database, division codes, scope, coordinates inside
** the county, dates and coded values — and decides what each good row needs
** (create, update, nothing) by comparing with what is stored, so a re-import
** of the same file writes nothing and audits nothing. import_apply() writes
** the plan in the caller's transaction through the household model.
**
** Problems are reported per row: the line (CSV line or Excel row number), the
** column, an error code from the catalogue (http/errors.c) and a detail.
*/
#ifndef XC_IMPORT_H
#define XC_IMPORT_H

#include <stdint.h>
#include "audit/audit.h"
#include "core/strbuf.h"
#include "db/db.h"

#define IMPORT_MAX_ROWS 1000000
#define IMPORT_MAX_PROBLEMS 200000

/* The template's columns, in template order. */
enum {
    IC_NUMBER, IC_ORG, IC_ADDRESS, IC_LAT, IC_LON, IC_STATUS, IC_STATUS_DATE, IC_CAUSES, IC_NOTES,
    IC_NAME, IC_ID, IC_RELATION, IC_HEALTH, IC_EDUCATION, IC_LABOUR, IC_PHONE, IC_COUNT
};

/* A column's header in "zh" or "en"; "" for column -1 (the whole row). */
const char *import_col_name(int col, const char *lang);
/* Whether a column must be present in the header. */
int import_col_required(int col);
/* A coded value's label in "zh" or "en" ("poor" -> 贫困户); the code itself when unknown.
** kind is the column (IC_STATUS, IC_CAUSES, IC_RELATION, IC_HEALTH, IC_EDUCATION, IC_LABOUR). */
const char *import_label(int col, const char *code, const char *lang);

typedef enum { IMPORT_VALIDATE = 0, IMPORT_COMMIT = 1, IMPORT_VALID_ONLY = 2 } import_mode;

typedef struct import_sheet import_sheet;

/* Parse an upload: xlsx 1 for an .xlsx, 0 for CSV. 400s: "import_empty_file",
** "import_not_utf8", "import_bad_csv", "import_not_xlsx", "import_bad_xlsx",
** "import_too_large", "import_no_header", "import_missing_column" (detail:
** the column), "import_duplicate_column", "import_no_rows", "import_too_many_rows". */
import_sheet *import_parse(const char *data, size_t len, int xlsx, xerr *e);
void import_sheet_free(import_sheet *s);
int64_t import_rows(const import_sheet *s);

typedef struct import_counts {
    int64_t rows_total, rows_done, rows_bad;
    int64_t households_created, households_updated, members_created, members_updated;
    int64_t unchanged;            /* good rows that need no write */
} import_counts;

typedef struct import_problem {
    int line;                     /* 0: the file as a whole */
    int col;                      /* IC_*, or -1 */
    const char *code;             /* static */
    char detail[40];              /* e.g. "line 12" of an earlier row; never personal data */
    char number[33];              /* the row's household number when it has a usable one */
} import_problem;

/* Progress: called every few hundred rows; phase "validating" or "writing". */
typedef void (*import_progress_fn)(void *arg, const import_counts *c, const char *phase);

typedef struct import_opts {
    import_mode mode;
    const char *scope_path;       /* the caller's subtree ("/1/4/"): other rows are out of scope */
    audit_ctx ctx;                /* who imports (actor, IP, time) */
    int64_t job_id;               /* named in the audit record of the import */
    double bbox[4];               /* minLon, minLat, maxLon, maxLat; all 0: from the database */
    import_progress_fn progress;
    void *progress_arg;
} import_opts;

typedef struct import_plan import_plan;

/* Validate every row and plan the writes (reads only). NULL with *e on a
** database error. The counts say what import_apply() would do. */
import_plan *import_plan_make(db *d, import_sheet *s, const import_opts *o, import_counts *c, xerr *e);
/* Problems found, in row order. */
const import_problem *import_problems(const import_plan *p, int *n);
/* Write the good rows (inside the caller's transaction): households created
** and updated, members created and updated, one "import.commit" audit record
** when anything changed. */
int import_apply(db *d, import_plan *p, import_counts *c, xerr *e);
void import_plan_free(import_plan *p);

/* The county's box for coordinates: XIANGCUN_IMPORT_BBOX
** ("minLon,minLat,maxLon,maxLat") when set, else the box of the located
** households under the county root of scope_path widened by
** IMPORT_BBOX_MARGIN degrees, else mainland China's. */
#define IMPORT_BBOX_MARGIN 0.5
int import_bbox(db *d, const char *scope_path, double out[4], xerr *e);

/* The template: the header row in lang ("zh" or "en"), as CSV (with a BOM so
** Excel reads UTF-8) or as a workbook with the header, text-formatted
** identifier columns and a second sheet explaining each column. */
void import_template_csv(const char *lang, strbuf *out);
int import_template_xlsx(const char *lang, strbuf *out, xerr *e);

#endif
