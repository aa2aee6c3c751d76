/*
** config.h: run-time configuration from the environment, overridable by
** command-line flags. Every setting is documented in README.md.
*/
#ifndef XC_CONFIG_H
#define XC_CONFIG_H

#include <stddef.h>

typedef struct config {
    char listen_host[64];      /* XIANGCUN_LISTEN host part, default 127.0.0.1 */
    int listen_port;           /* XIANGCUN_LISTEN port part, default 8080 */
    char db_url[1024];         /* XIANGCUN_DB, default sqlite:DATA_DIR/xiangcun.db */
    char data_dir[512];        /* XIANGCUN_DATA_DIR, default data */
    char key_file[600];        /* XIANGCUN_KEY_FILE, default DATA_DIR/xiangcun.key */
    char web_dir[512];         /* XIANGCUN_WEB_DIR, default web */
    char vendor_dir[512];      /* XIANGCUN_VENDOR_DIR, default node_modules */
    int threads;               /* XIANGCUN_THREADS, default: number of cores */
    int conn_limit;            /* XIANGCUN_CONN_LIMIT, default 16384 */
    int per_ip_limit;          /* XIANGCUN_PER_IP_LIMIT, default 1024 */
    size_t body_limit;         /* XIANGCUN_BODY_LIMIT_KIB, default 1024 (1 MiB) */
    size_t upload_limit;       /* XIANGCUN_UPLOAD_LIMIT_MIB for file uploads (imports), default 64 */
    int trust_proxy;           /* XIANGCUN_TRUST_PROXY=1: believe X-Forwarded-For/-Proto */
    int access_log;            /* XIANGCUN_ACCESS_LOG=0 silences the per-request log line */
    char osmand_host[64];      /* XIANGCUN_OSMAND_LISTEN host part (usually 0.0.0.0:5055) */
    int osmand_port;           /* its port; 0: no OsmAnd / Traccar Client listener (the default) */
} config;

/* Defaults, then the environment. Returns -1 with a message on stderr for bad values. */
int config_load(config *c);
/* Parse "host:port" into host and port; -1 with a message on stderr. */
int config_parse_listen(const char *s, char host[64], int *port);
/* Parse "host:port" into c's main listen address. */
int config_set_listen(config *c, const char *s);
/* Recompute paths that default from data_dir (db_url, key_file) unless set explicitly. */
void config_set_data_dir(config *c, const char *dir);

#endif
