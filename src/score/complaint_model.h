/*
 * complaint_model.h - a linear model over the words view that says how much
 * a mention reads like a complaint, beside the complaint rules.
 *
 * The rules find complaints by their cues ("still waiting", "nobody called
 * back"); complaints that use none of them ("my parcel was due Tuesday, any
 * news?") read like one through many weak words together. The model weighs
 * every word and word pair of the words view (normalise.h): its logit is the
 * bias plus the weight of each term, once per occurrence. Its weights are
 * trained by bench/train_complaint (liblinear's logistic regression) from
 * labelled examples under rules/complaint/train/ and loaded from the file
 * named by `complaint_model:` in ruleset.yaml.
 *
 * A term is one token of the view or two adjacent ones joined by their
 * space, exactly as ms_cmodel_each_term() yields them: the trainer and the
 * scorer share it, so what was trained is what is scored.
 *
 * Thread safety: loading (ms_cmodel_add, ms_cmodel_set_bias) is single
 * threaded; a loaded model is read-only, and ms_cmodel_logit() may run on any
 * number of threads at once. Scoring allocates nothing.
 */
#ifndef MS_COMPLAINT_MODEL_H
#define MS_COMPLAINT_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ms_cmodel ms_cmodel;

typedef enum ms_cmodel_add_result {
    MS_CMODEL_ADDED = 0,
    MS_CMODEL_DUPLICATE, /* the term is already in the model */
    MS_CMODEL_NO_MEMORY,
} ms_cmodel_add_result;

/** @brief An empty model (bias 0, no terms); NULL when out of memory. */
ms_cmodel *ms_cmodel_new(void);
void ms_cmodel_free(ms_cmodel *m);

/** @brief Give `term` (as ms_cmodel_each_term yields it) its weight. */
ms_cmodel_add_result ms_cmodel_add(ms_cmodel *m, const char *term, size_t n, float weight);

/** @brief The logit of a mention with no known term. */
void ms_cmodel_set_bias(ms_cmodel *m, float bias);

/** @brief Terms with a weight; 0 for a model that only has a bias. */
uint32_t ms_cmodel_term_count(const ms_cmodel *m);

/** @brief Bias plus the weight of every term of the words view `view` (as in ms_normalised). */
float ms_cmodel_logit(const ms_cmodel *m, const char *view, uint32_t len);

typedef void (*ms_cmodel_term_fn)(void *ctx, const char *term, size_t n);

/** @brief Call `fn` with each term of `view`, in order: each token, then the pair it ends. */
void ms_cmodel_each_term(const char *view, uint32_t len, ms_cmodel_term_fn fn, void *ctx);

#endif
