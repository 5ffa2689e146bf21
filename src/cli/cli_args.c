/*
 * cli_args.c - command-line values, checked whole: numbers, and the kind of
 * a mention given on the command line.
 *
 * strtoull and atoi read "12abc" as 12 and "abc" as 0, and for the firehose
 * 0 means "until Ctrl-C": a typo must not turn a bounded run into an endless
 * one. A value is taken only if all of it is a number within the option's
 * range; anything else is refused with the command, the option and the text.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/mention.h"

bool ms_cli_uint(const char *cmd, const char *option, const char *text, unsigned long long min,
                 unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    /* strtoull accepts a leading '-' and negates; a count is never negative */
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    unsigned long long v = *p == '-' ? 0 : strtoull(p, &end, 10);
    if (*p == '-' || p == end || *end || errno == ERANGE || v < min || v > max) {
        if (max == ULLONG_MAX)
            fprintf(stderr, "%s: %s must be a whole number (%llu or more), not '%s'\n", cmd,
                    option, min, text);
        else
            fprintf(stderr, "%s: %s must be a whole number from %llu to %llu, not '%s'\n", cmd,
                    option, min, max, text);
        return false;
    }
    *out = v;
    return true;
}

bool ms_cli_real(const char *cmd, const char *option, const char *text, double min, double max,
                 double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v) || v < min || v > max) {
        fprintf(stderr, "%s: %s must be a number from %g to %g, not '%s'\n", cmd, option, min, max,
                text);
        return false;
    }
    *out = v;
    return true;
}

bool ms_cli_kind(const char *cmd, const char *text, ms_kind *out)
{
    if (ms_kind_parse(text, strlen(text), out))
        return true;
    fprintf(stderr, "%s: --kind must be public_comment, reply, inbox_message or "
            "external_mention, not '%s'\n", cmd, text);
    return false;
}
