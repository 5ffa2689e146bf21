/*
 * cmd_classify.c - `mentionsift classify [FILE]`: classifies mentions from
 * a file or stdin and writes one classified JSON object per line.
 *
 * Input is JSON lines or length-delimited protobuf (a varint length before
 * each Mention, as protobuf's writeDelimitedTo). A malformed record never
 * stops the run and is never dropped silently: its line (or record) number
 * and reason go to stderr, and the record itself to the reject file as a
 * JSON object {"source":"...","line":N,"error":"...","input":"..."} ("record"
 * for protobuf input, "text" for --text).
 *
 * With --text, the texts on the command line are classified instead, each
 * as a mention of --kind (default a public comment on a page whg owns):
 * the quick way for a rule author or a reviewer to see what a sentence is
 * labelled and which rules say so.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/engine.h"
#include "match/ruleset.h"

typedef struct classify_run {
    ms_engine *engine;
    ms_decoder *dec;
    ms_encode_ctx ctx;
    ms_encoding out_enc;
    ms_buf out, rej;
    ms_verdict verdict;
    FILE *reject;
    const char *input_name;
    unsigned long ok, rejected;
} classify_run;

/** @brief Print the classify command's help to `f` (stdout for --help, stderr on a usage error). */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: mentionsift classify [OPTIONS] [FILE]\n"
            "\n"
            "Classifies mentions from FILE (default: stdin) and writes classified events,\n"
            "one JSON object per line, to stdout.\n"
            "\n"
            "options:\n"
            "  -t, --text TEXT        classify TEXT instead of reading FILE (repeatable)\n"
            "  -k, --kind KIND        with --text: public_comment | reply | inbox_message |\n"
            "                         external_mention (default: public_comment; all but\n"
            "                         external_mention on a page whg owns)\n"
            "  -r, --rules DIR        rule set directory (default: %s)\n"
            "  -i, --input FORMAT     json | protobuf | auto (default: auto)\n"
            "  -o, --output FORMAT    json | protobuf (length-delimited) (default: json)\n"
            "  -j, --reject FILE      write rejected records here as JSON lines\n"
            "                         (default: stderr)\n"
            "      --no-redact        keep personal information in the output text\n"
            "  -h, --help             this help\n"
            "\n"
            "Exit status: 0 when every record was classified, 3 when some were rejected,\n"
            "1 on I/O failure, 2 on a usage or rule-set error.\n",
            ms_cli_default_rules_dir());
}

/* JSON-escape arbitrary bytes for the reject record (invalid UTF-8 as \u00XX
 * of the byte, so the record is always valid JSON). */
static void json_escape_bytes(ms_buf *b, const char *s, size_t n)
{
    ms_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            ms_buf_putc(b, '\\');
            ms_buf_putc(b, (char)c);
        } else if (c < 0x20 || c >= 0x7f) {
            ms_buf_printf(b, "\\u%04x", c);
        } else {
            ms_buf_putc(b, (char)c);
        }
    }
    ms_buf_putc(b, '"');
}

/** @brief Count a rejected record: a line on stderr and a JSON line (source, position, error, input
 *  cut to 64 KiB) to the reject file; write errors there are ignored. */
static void reject(classify_run *r, unsigned long recno, const char *what, const char *reason,
                   const char *data, size_t len)
{
    r->rejected++;
    fprintf(stderr, "classify: %s: %s %lu: %s\n", r->input_name, what, recno, reason);
    ms_buf_reset(&r->rej);
    ms_buf_printf(&r->rej, "{\"source\":");
    json_escape_bytes(&r->rej, r->input_name, strlen(r->input_name));
    ms_buf_printf(&r->rej, ",\"%s\":%lu,\"error\":", what, recno);
    json_escape_bytes(&r->rej, reason, strlen(reason));
    ms_buf_puts(&r->rej, ",\"input\":");
    json_escape_bytes(&r->rej, data, len > 65536 ? 65536 : len);
    ms_buf_puts(&r->rej, "}\n");
    if (ms_buf_ok(&r->rej))
        fwrite(r->rej.data, 1, r->rej.len, r->reject);
}

/* Classify one mention and write it; `data` is its input, for a reject
 * record. False only on an output error. */
static bool one_mention(classify_run *r, ms_mention m, const char *data, size_t len,
                        unsigned long recno, const char *what)
{
    m.received_at_ms = ms_clock_wall_ms(); /* a deadline's start without created_at */
    if (m.text.len > MS_ENGINE_MAX_TEXT_DEFAULT) {
        /* the engine would scan only the start: the rest, unchecked for
         * personal information, must not be written out (as the service) */
        char reason[128];
        snprintf(reason, sizeof reason, "text of %zu bytes exceeds the %u bytes the engine scans",
                 m.text.len, MS_ENGINE_MAX_TEXT_DEFAULT);
        reject(r, recno, what, reason, data, len);
        return true;
    }
    if (!ms_engine_classify(r->engine, &m, &r->verdict)) {
        reject(r, recno, what, "classification failed (out of memory)", data, len);
        return true;
    }
    ms_buf_reset(&r->out);
    r->ctx.classified_at_ms = ms_clock_wall_ms();
    if (r->out_enc == MS_ENC_PROTOBUF) {
        ms_buf pb;
        ms_buf_init(&pb);
        if (!ms_encode_classified(&pb, MS_ENC_PROTOBUF, &r->ctx, &m, &r->verdict)) {
            ms_buf_free(&pb);
            reject(r, recno, what, "could not encode the classified event", data, len);
            return true;
        }
        uint64_t n = pb.len;
        do {
            unsigned char byte = n & 0x7f;
            n >>= 7;
            ms_buf_putc(&r->out, (char)(byte | (n ? 0x80 : 0)));
        } while (n);
        ms_buf_append(&r->out, pb.data, pb.len);
        ms_buf_free(&pb);
    } else {
        if (!ms_encode_classified(&r->out, MS_ENC_JSON, &r->ctx, &m, &r->verdict)) {
            reject(r, recno, what, "could not encode the classified event", data, len);
            return true;
        }
        ms_buf_putc(&r->out, '\n');
    }
    if (!ms_buf_ok(&r->out)) {
        reject(r, recno, what, "out of memory encoding the event", data, len);
        return true;
    }
    r->ok++;
    return fwrite(r->out.data, 1, r->out.len, stdout) == r->out.len;
}

/* Classify one record; false only on an output error. */
static bool one(classify_run *r, ms_encoding enc, const char *data, size_t len,
                unsigned long recno, const char *what)
{
    ms_mention m;
    ms_codec_error err;
    if (!ms_decode_mention(r->dec, enc, data, len, &m, &err)) {
        reject(r, recno, what, err.msg, data, len);
        return true;
    }
    return one_mention(r, m, data, len, recno, what);
}

/** @brief Read a varint length prefix from `in`; false on EOF or a truncated or over-long varint,
 *  with `*eof` true only for a clean end before its first byte. */
static bool read_varint(FILE *in, uint64_t *v, bool *eof)
{
    *v = 0;
    *eof = false;
    for (int shift = 0; shift < 64; shift += 7) {
        int c = fgetc(in);
        if (c == EOF) {
            *eof = shift == 0;
            return false;
        }
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return true;
    }
    return false;
}

#define MS_MAX_RECORD (16u << 20)

int ms_cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},  {"input", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'}, {"reject", required_argument, NULL, 'j'},
        {"no-redact", no_argument, NULL, 'R'},    {"help", no_argument, NULL, 'h'},
        {"text", required_argument, NULL, 't'},   {"kind", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *texts[64];
    size_t n_texts = 0;
    ms_kind kind = MS_KIND_PUBLIC_COMMENT;
    bool kind_given = false;
    const char *rules_dir = ms_cli_default_rules_dir(), *reject_path = NULL;
    ms_encoding in_enc = MS_ENC_AUTO;
    classify_run r = {.out_enc = MS_ENC_JSON, .ctx.redact = true, .reject = stderr};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:i:o:j:t:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (n_texts == sizeof texts / sizeof texts[0]) {
                fprintf(stderr, "classify: at most %zu --text; put more in a file\n", n_texts);
                return 2;
            }
            texts[n_texts++] = optarg;
            break;
        case 'k':
            kind_given = true;
            if (!ms_cli_kind("classify", optarg, &kind))
                return 2;
            break;
        case 'r':
            rules_dir = optarg;
            break;
        case 'i':
            if (!strcmp(optarg, "json"))
                in_enc = MS_ENC_JSON;
            else if (!strcmp(optarg, "protobuf"))
                in_enc = MS_ENC_PROTOBUF;
            else if (!strcmp(optarg, "auto"))
                in_enc = MS_ENC_AUTO;
            else {
                fprintf(stderr, "classify: --input must be json, protobuf or auto, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'o':
            if (!strcmp(optarg, "json"))
                r.out_enc = MS_ENC_JSON;
            else if (!strcmp(optarg, "protobuf"))
                r.out_enc = MS_ENC_PROTOBUF;
            else {
                fprintf(stderr, "classify: --output must be json or protobuf, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'j':
            reject_path = optarg;
            break;
        case 'R':
            r.ctx.redact = false;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (kind_given && !n_texts) {
        fprintf(stderr, "classify: --kind applies to --text only (a record names its own kind)\n");
        return 2;
    }
    if (argc - optind > (n_texts ? 0 : 1)) {
        fprintf(stderr, "classify: %s\n",
                n_texts ? "--text and an input file exclude each other" : "at most one input file");
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : NULL;
    FILE *in = stdin;
    r.input_name = n_texts ? "command line" : path ? path : "stdin";
    if (path && !(in = fopen(path, "rb"))) {
        fprintf(stderr, "classify: cannot open '%s': %s\n", path, strerror(errno));
        return 1;
    }
    if (reject_path && !(r.reject = fopen(reject_path, "w"))) {
        fprintf(stderr, "classify: cannot open reject file '%s': %s\n", reject_path,
                strerror(errno));
        return 1;
    }

    ms_ruleset *rs = ms_cli_load_rules("classify", rules_dir);
    if (!rs)
        return 2;
    char err[256];
    r.engine = ms_engine_new(rs, NULL, err, sizeof err);
    r.dec = ms_decoder_new();
    if (!r.engine || !r.dec) {
        fprintf(stderr, "classify: %s\n", r.engine ? "out of memory" : err);
        return 1;
    }
    r.ctx.rules = rs;
    ms_buf_init(&r.out);
    ms_buf_init(&r.rej);

    bool io_ok = true;
    for (size_t i = 0; i < n_texts && io_ok; i++) {
        char id[32];
        snprintf(id, sizeof id, "text-%zu", i + 1);
        size_t len = strlen(texts[i]);
        ms_mention m = {.id = {id, strlen(id)},
                        .kind = kind,
                        .page_owned = kind != MS_KIND_EXTERNAL_MENTION,
                        .author = {.id = {"cli", 3}, .handle = {"cli", 3}},
                        .text = {texts[i], len},
                        .created_at_ms = ms_clock_wall_ms()};
        io_ok = one_mention(&r, m, texts[i], len, i + 1, "text");
    }
    int first = n_texts ? EOF : fgetc(in);
    if (first != EOF)
        ungetc(first, in);
    bool proto = in_enc == MS_ENC_PROTOBUF ||
                 (in_enc == MS_ENC_AUTO && first != EOF && first != '{' && first != ' ' &&
                  first != '\n' && first != '\t' && first != '\r');
    if (n_texts) {
        /* the texts were the input */
    } else if (proto) {
        ms_buf rec;
        ms_buf_init(&rec);
        unsigned long recno = 0;
        for (;;) {
            uint64_t len;
            bool eof;
            if (!read_varint(in, &len, &eof)) {
                if (!eof)
                    reject(&r, recno + 1, "record", "truncated length prefix", "", 0);
                break;
            }
            recno++;
            if (len > MS_MAX_RECORD) {
                reject(&r, recno, "record", "record longer than 16 MiB; stream abandoned", "",
                       0);
                break;
            }
            ms_buf_reset(&rec);
            if (!ms_buf_reserve(&rec, len ? len : 1)) {
                reject(&r, recno, "record", "out of memory", "", 0);
                break;
            }
            size_t got = fread(rec.data, 1, len, in);
            if (got != len) {
                reject(&r, recno, "record", "truncated record", rec.data, got);
                break;
            }
            if (!one(&r, MS_ENC_PROTOBUF, rec.data, len, recno, "record")) {
                io_ok = false;
                break;
            }
        }
        ms_buf_free(&rec);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        unsigned long lineno = 0;
        while ((n = getline(&line, &cap, in)) != -1) {
            lineno++;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            size_t k = 0;
            while (k < (size_t)n && (line[k] == ' ' || line[k] == '\t'))
                k++;
            if (k == (size_t)n)
                continue; /* blank lines are not records */
            if (!one(&r, MS_ENC_JSON, line, (size_t)n, lineno, "line")) {
                io_ok = false;
                break;
            }
        }
        free(line);
    }
    if (ferror(in)) {
        fprintf(stderr, "classify: reading %s: %s\n", r.input_name, strerror(errno));
        io_ok = false;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "classify: writing stdout: %s\n", strerror(errno));
        io_ok = false;
    }
    fprintf(stderr, "classify: %lu classified, %lu rejected\n", r.ok, r.rejected);
    if (path)
        fclose(in);
    if (reject_path)
        fclose(r.reject);
    ms_buf_free(&r.out);
    ms_buf_free(&r.rej);
    ms_decoder_free(r.dec);
    ms_engine_free(r.engine);
    ms_ruleset_free(rs);
    if (!io_ok)
        return 1;
    return r.rejected ? 3 : 0;
}
