/*
 * http.c - the metrics and health endpoint (see metrics.h), on libmicrohttpd.
 *
 * One MHD daemon with its own internal polling thread, bound to exactly the
 * configured address (MHD_OPTION_SOCK_ADDR with an IPv4 or IPv6 sockaddr),
 * never to every interface unless the configuration says 0.0.0.0 / [::].
 * "HOST:PORT" takes an IPv4 address, "localhost" (127.0.0.1) or a bracketed
 * IPv6 address ("[::1]:9464"); PORT 0 asks the kernel for a free port,
 * which ms_http_port() then reports.
 *
 * Requests are answered on the access handler's first call (no endpoint
 * reads a body): GET or HEAD on /metrics, /healthz, /readyz; 405 with an
 * Allow header for any other method; 404 for any other path. Nothing here
 * changes state; /metrics renders into a fresh buffer that MHD frees after
 * sending. Connections are limited in number and time so a stuck scraper
 * cannot hold the thread. libmicrohttpd's own messages go to ms_log.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "core/buf.h"
#include "core/log.h"
#include "kafka/metrics.h"

#define MS_HTTP_CONN_LIMIT 32u
#define MS_HTTP_CONN_TIMEOUT_S 10u

struct ms_http {
    struct MHD_Daemon *daemon;
    ms_metrics *metrics;
    int port;
};

/** @brief Route libmicrohttpd's error messages into the structured log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    ms_log(MS_LOG_WARN, "http", msg, NULL);
}

/**
 * @brief Parse "HOST:PORT" into `sa`; false with the reason in err.
 * Accepts IPv4, "localhost" and "[IPv6]" hosts, ports 0-65535.
 */
static bool parse_listen(const char *listen, struct sockaddr_storage *sa, socklen_t *salen,
                         char *err, size_t errlen)
{
    char host[64];
    const char *port_s;
    bool v6 = listen[0] == '[';
    if (v6) {
        const char *close = strchr(listen, ']');
        size_t hl = close ? (size_t)(close - listen - 1) : 0;
        if (!close || close[1] != ':' || hl == 0 || hl >= sizeof host) {
            snprintf(err, errlen, "listen address '%s' is not [IPv6]:PORT", listen);
            return false;
        }
        memcpy(host, listen + 1, hl);
        host[hl] = '\0';
        port_s = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        size_t hl = colon ? (size_t)(colon - listen) : 0;
        if (!colon || hl == 0 || hl >= sizeof host) {
            snprintf(err, errlen, "listen address '%s' is not HOST:PORT", listen);
            return false;
        }
        memcpy(host, listen, hl);
        host[hl] = '\0';
        port_s = colon + 1;
        if (strcmp(host, "localhost") == 0)
            strcpy(host, "127.0.0.1");
    }
    char *end;
    errno = 0;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || errno || port < 0 || port > 65535 || port_s[0] == '-' ||
        port_s[0] == '+' || port_s[0] == ' ') {
        snprintf(err, errlen, "listen address '%s': port '%s' is not a number between 0 and 65535",
                 listen, port_s);
        return false;
    }
    memset(sa, 0, sizeof *sa);
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
            snprintf(err, errlen, "listen address '%s': '%s' is not an IPv6 address", listen,
                     host);
            return false;
        }
        *salen = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
            snprintf(err, errlen,
                     "listen address '%s': '%s' is not an IPv4 address, 'localhost' or [IPv6]",
                     listen, host);
            return false;
        }
        *salen = sizeof *s4;
    }
    return true;
}

/** @brief Queue a response with `body` (static text, or malloc'd when owned). */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             char *body, size_t len, bool owned, const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    enum MHD_Result ok = MHD_YES;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
        (allow && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES))
        ok = MHD_NO;
    if (ok == MHD_YES)
        ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

/** @brief Answer with static plain-text `msg` (not freed); `allow`, if set, is the Allow header. */
static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *msg,
                            const char *allow)
{
    return reply(conn, status, "text/plain; charset=utf-8", (char *)msg, strlen(msg), false,
                 allow);
}

/** @brief The access handler: every request is answered on its first call. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    ms_http *h = cls;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    bool known = strcmp(url, "/metrics") == 0 || strcmp(url, "/healthz") == 0 ||
                 strcmp(url, "/readyz") == 0;
    if (!known)
        return text(conn, MHD_HTTP_NOT_FOUND,
                    "not found: the endpoints are /metrics, /healthz and /readyz\n", NULL);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n",
                    "GET, HEAD");
    if (strcmp(url, "/healthz") == 0)
        return text(conn, MHD_HTTP_OK, "ok\n", NULL);
    if (strcmp(url, "/readyz") == 0) {
        const char *why = ms_metrics_not_ready(h->metrics);
        if (!why)
            return text(conn, MHD_HTTP_OK, "ready\n", NULL);
        size_t len = strlen("not ready: \n") + strlen(why);
        char *body = malloc(len + 1); /* the response outlives this call: it frees it */
        if (!body)
            return MHD_NO;
        snprintf(body, len + 1, "not ready: %s\n", why);
        return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", body, len,
                     true, NULL);
    }
    ms_buf b;
    ms_buf_init(&b);
    ms_metrics_render(h->metrics, &b);
    if (!ms_buf_ok(&b) || !b.data) {
        ms_buf_free(&b);
        return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
    }
    return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len,
                 true, NULL);
}

ms_http *ms_http_start(const char *listen, ms_metrics *m, char *err, size_t errlen)
{
    if (!listen || !m) {
        snprintf(err, errlen, "no listen address or no metrics");
        return NULL;
    }
    struct sockaddr_storage sa;
    socklen_t salen;
    if (!parse_listen(listen, &sa, &salen, err, errlen))
        return NULL;
    ms_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->metrics = m;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    errno = 0;
    uint16_t port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                   : ((struct sockaddr_in *)&sa)->sin_port);
    /* the logger goes first so that MHD's option parsing uses it too */
    h->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
        MS_HTTP_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, MS_HTTP_CONN_TIMEOUT_S, MHD_OPTION_END);
    if (!h->daemon) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s: %s", listen,
                 e ? strerror(e) : "libmicrohttpd failed to start (see the log)");
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : 0;
    if (h->port == 0) { /* fall back to asking the socket */
        const union MHD_DaemonInfo *fd = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_LISTEN_FD);
        struct sockaddr_storage bound;
        socklen_t bl = sizeof bound;
        if (fd && getsockname(fd->listen_fd, (struct sockaddr *)&bound, &bl) == 0)
            h->port = ntohs(bound.ss_family == AF_INET6
                                ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                : ((struct sockaddr_in *)&bound)->sin_port);
    }
    return h;
}

void ms_http_stop(ms_http *h)
{
    if (!h)
        return;
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    free(h);
}

int ms_http_port(const ms_http *h) { return h ? h->port : 0; }
