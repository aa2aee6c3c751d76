/* config.c: configuration from environment and flags (see config.h). */
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int explicit_db, explicit_key;

int config_parse_listen(const char *s, char host[64], int *port_out) {
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || colon - s >= 64) {
        fprintf(stderr, "xiangcun: listen address must be HOST:PORT, got '%s'\n", s);
        return -1;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    /* Digits only: strtol would also take "", " 80" and "+80". */
    if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) || *end || port < 0 || port > 65535) {
        fprintf(stderr, "xiangcun: bad port in '%s'\n", s);
        return -1;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    *port_out = (int)port;
    return 0;
}

int config_set_listen(config *c, const char *s) { return config_parse_listen(s, c->listen_host, &c->listen_port); }

void config_set_data_dir(config *c, const char *dir) {
    snprintf(c->data_dir, sizeof c->data_dir, "%s", dir);
    if (!explicit_db) snprintf(c->db_url, sizeof c->db_url, "sqlite:%s/xiangcun.db", dir);
    if (!explicit_key) snprintf(c->key_file, sizeof c->key_file, "%s/xiangcun.key", dir);
}

static int env_int(const char *name, int def, int min, int max, int *out) {
    const char *s = getenv(name);
    if (!s || !*s) {
        *out = def;
        return 0;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < min || v > max) {
        fprintf(stderr, "xiangcun: %s must be an integer in [%d, %d]\n", name, min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static void env_str(const char *name, char *dst, size_t n, const char *def) {
    const char *s = getenv(name);
    snprintf(dst, n, "%s", s && *s ? s : def);
}

int config_load(config *c) {
    memset(c, 0, sizeof *c);
    const char *db = getenv("XIANGCUN_DB"), *key = getenv("XIANGCUN_KEY_FILE");
    explicit_db = db && *db;
    explicit_key = key && *key;
    if (explicit_db) snprintf(c->db_url, sizeof c->db_url, "%s", db);
    if (explicit_key) snprintf(c->key_file, sizeof c->key_file, "%s", key);
    const char *dd = getenv("XIANGCUN_DATA_DIR");
    config_set_data_dir(c, dd && *dd ? dd : "data");
    env_str("XIANGCUN_WEB_DIR", c->web_dir, sizeof c->web_dir, "web");
    env_str("XIANGCUN_VENDOR_DIR", c->vendor_dir, sizeof c->vendor_dir, "node_modules");
    const char *listen = getenv("XIANGCUN_LISTEN");
    if (config_set_listen(c, listen && *listen ? listen : "127.0.0.1:8080")) return -1;
    const char *osmand = getenv("XIANGCUN_OSMAND_LISTEN");
    if (osmand && *osmand && config_parse_listen(osmand, c->osmand_host, &c->osmand_port)) return -1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int body_kib, upload_mib;
    if (env_int("XIANGCUN_THREADS", cores > 0 ? (int)cores : 2, 1, 256, &c->threads) ||
        env_int("XIANGCUN_CONN_LIMIT", 16384, 16, 1000000, &c->conn_limit) ||
        env_int("XIANGCUN_PER_IP_LIMIT", 1024, 1, 1000000, &c->per_ip_limit) ||
        env_int("XIANGCUN_BODY_LIMIT_KIB", 1024, 1, 1 << 20, &body_kib) ||
        env_int("XIANGCUN_UPLOAD_LIMIT_MIB", 64, 1, 4096, &upload_mib) ||
        env_int("XIANGCUN_TRUST_PROXY", 0, 0, 1, &c->trust_proxy) ||
        env_int("XIANGCUN_ACCESS_LOG", 1, 0, 1, &c->access_log))
        return -1;
    c->body_limit = (size_t)body_kib * 1024;
    c->upload_limit = (size_t)upload_mib << 20;
    return 0;
}
