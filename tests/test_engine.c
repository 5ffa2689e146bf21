/*
 * test_engine.c - the classification engine with the default rule set:
 * every category from examples in the policy's own terms, evasion,
 * Scunthorpe false positives, personal information with exact spans and
 * redaction, hostile text, the decision rules, and rule-file errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/engine.h"
#include "decide/decide.h"
#include "match/ruleset.h"
#include "rules_fixture.h"
#include "score/pii.h"

static ms_ruleset *rs;
static ms_engine *eng;
static ms_verdict v;

static const char *rules_dir(void)
{
    const char *d = getenv("MS_RULES_DIR");
    return d ? d : MS_DEFAULT_RULES_DIR;
}

static int setup(void **state)
{
    ms_buf err;
    ms_buf_init(&err);
    rs = ms_ruleset_load(rules_dir(), NULL, &err);
    if (!rs) {
        ms_buf_terminate(&err);
        fprintf(stderr, "%s", err.data ? err.data : "load failed\n");
        return -1;
    }
    ms_buf_free(&err);
    char e[256];
    eng = ms_engine_new(rs, NULL, e, sizeof e);
    return eng ? 0 : -1;
}

static int teardown(void **state)
{
    ms_engine_free(eng);
    ms_ruleset_free(rs);
    return 0;
}

static const ms_verdict *run_kind(const char *text, ms_kind kind, bool owned)
{
    ms_mention m = {.kind = kind, .page_owned = owned, .text = {text, strlen(text)},
                    .created_at_ms = 1764000000000, .author = {.handle = {"resident1", 9}}};
    assert_true(ms_engine_classify(eng, &m, &v));
    return &v;
}

static const ms_verdict *run(const char *text)
{
    return run_kind(text, MS_KIND_PUBLIC_COMMENT, true);
}

static void expect(const char *text, ms_category c, bool want)
{
    run(text);
    if (ms_verdict_has(&v, c) != want)
        fail_msg("\"%s\": label %s expected %s (primary %s)", text, ms_category_name(c),
                 want ? "present" : "absent", ms_category_name(v.primary));
}

/** @brief An engine over the rule set in `dir`, loaded without the cache; the rule set in `*rs_out`
 *  (cmocka asserts on failure). */
static ms_engine *dir_engine(const char *dir, ms_ruleset **rs_out)
{
    ms_ruleset_options opt = {.cache_dir = ""};
    ms_ruleset *lr = ms_ruleset_load(dir, &opt, NULL);
    assert_non_null(lr);
    char eerr[256];
    ms_engine *le = ms_engine_new(lr, NULL, eerr, sizeof eerr);
    assert_non_null(le);
    *rs_out = lr;
    return le;
}

/** @brief Remove a rule directory a test wrote (cmocka asserts on failure). */
static void remove_dir(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_house_rules(void **state)
{
    expect("you lot are a bunch of useless fucking idiots", MS_CAT_PROFANITY, true);
    expect("what a load of shit", MS_CAT_PROFANITY, true);
    expect("go back to your own country you p*ki scum", MS_CAT_HATE, true);
    expect("I will burn your office down", MS_CAT_DETRIMENTAL, true);
    expect("I know where you live", MS_CAT_DETRIMENTAL, true);
    expect("DM me to earn 500 a day working from home", MS_CAT_ADVERTISING, true);
    expect("check out my onlyfans for nudes", MS_CAT_SEXUAL_GRAPHIC, true);
    run("I will burn your office down");
    assert_true(v.urgent);
    assert_int_equal(v.priority, MS_PRIORITY_URGENT);
    /* an idiom is no threat, and a threat rule it trips makes nothing urgent */
    run("I'll kill him if the plumber is late again lol");
    assert_false(ms_verdict_has(&v, MS_CAT_DETRIMENTAL));
    assert_false(v.urgent);
    run("that caretaker is getting done in, watch");
    assert_true(ms_verdict_has(&v, MS_CAT_DETRIMENTAL));
    assert_true(v.urgent);
    /* an attached photo of a person is not sexual; a photo with nudity is */
    expect("[photo] the lady from whg who helped us at the fun day", MS_CAT_SEXUAL_GRAPHIC, false);
    expect("[photo] she's got her tits out on the balcony again", MS_CAT_SEXUAL_GRAPHIC, true);
}

/* Hate is aimed at a group; a slur used as an insult at one person is
 * offensive language. Both go to the Specialist, but the label is what the
 * dashboards count (lists/profanity-slurs.txt says why). */
static void test_insult_or_hate(void **state)
{
    const char *insults[] = {"shut up you slut", "she's a hoe", "my nigga"};
    for (size_t i = 0; i < sizeof insults / sizeof insults[0]; i++) {
        expect(insults[i], MS_CAT_PROFANITY, true);
        expect(insults[i], MS_CAT_HATE, false);
        assert_int_equal(v.action, MS_ACTION_REVIEW_FOR_REMOVAL);
    }
    expect("all women are hoes", MS_CAT_HATE, true);
    expect("girls are just sluts", MS_CAT_HATE, true);
    expect("you nigger", MS_CAT_HATE, true);
    expect("Bought a new Dutch hoe for the allotment", MS_CAT_PROFANITY, false);
}

/* Hate is weighed from facets (rules/README.md): a group word beside a word
 * of contempt. In a housing association's comments the commonest contempt
 * words describe pests, crime and dirt, so a neighbour's nationality beside
 * them is no hate; said of the group, they are. */
static void test_hate_facets(void **state)
{
    const char *neighbours[] = {
        "Our block is infested with cockroaches, the Romanian family downstairs has them too",
        "The Muslim lady next door helped me when the bins were infested with rats",
        "The gay couple at number 4 had their car broken into, criminals are everywhere",
        "Criminals broke into the Pakistani shop on the corner again",
        "The stairwell is disgusting, the Polish lads upstairs said they complained too",
    };
    for (size_t i = 0; i < sizeof neighbours / sizeof neighbours[0]; i++)
        expect(neighbours[i], MS_CAT_HATE, false);
    expect("Eastern Europeans are vermin, send them all back", MS_CAT_HATE, true);
    expect("These Muslims breed like rats and are taking over", MS_CAT_HATE, true);
    expect("the romanians in the flats are animals, the lot of them", MS_CAT_HATE, true);
    /* coded group names count as group words; a neighbour's arrival alone is no grievance */
    expect("send the dinghy divers back, Britain is full", MS_CAT_HATE, true);
    expect("Since the Polish family moved in upstairs we've had a leak every week", MS_CAT_HATE,
           false);
}

static void test_evasion(void **state)
{
    expect("this is sh1t", MS_CAT_PROFANITY, true);
    expect("f u c k you", MS_CAT_PROFANITY, true);
    expect("fuuuuuck this", MS_CAT_PROFANITY, true);
    expect("$hit service", MS_CAT_PROFANITY, true);
    expect("fu\xE2\x80\x8B" "ck off", MS_CAT_PROFANITY, true);        /* zero-width space */
    expect("\xEF\xBD\x86\xEF\xBD\x95\xEF\xBD\x83\xEF\xBD\x8B", MS_CAT_PROFANITY, true); /* fullwidth */
    /* a one-letter word before spelled-out letters stays a word, by the rule set's words */
    expect("what a f u c k i n g joke", MS_CAT_PROFANITY, true);
    expect("you are a c u n t", MS_CAT_PROFANITY, true);
    expect("a s s h o l e", MS_CAT_PROFANITY, true);
    /* the view tools show is the one the engine matched: with the rule set's words */
    ms_normalised wv;
    const char *t = "what a f u c k i n g joke";
    assert_true(ms_engine_words_view(eng, t, strlen(t), &wv));
    assert_int_equal(wv.len, strlen(" what a fucking joke "));
    assert_memory_equal(wv.view, " what a fucking joke ", wv.len);
    expect("\xEA\x9C\xB0\xE1\xB4\x9C\xE1\xB4\x84\xE1\xB4\x8B off", MS_CAT_PROFANITY, true); /* small caps */
}

static void test_scunthorpe(void **state)
{
    const char *innocent[] = {
        "I grew up in Scunthorpe",        "I live on Penistone Road",
        "please assess my application",   "my son's class trip",
        "a cocktail evening for tenants", "reading Dickens at the library",
        "the assassin in the film",       "my therapist suggested it",
        "a bag of grapes",                "Sussex and Middlesex",
    };
    for (size_t i = 0; i < sizeof innocent / sizeof innocent[0]; i++) {
        run(innocent[i]);
        for (int c = 0; c < MS_CAT_HOUSE_RULES_END; c++)
            if (c != MS_CAT_PERSONAL_INFO && ms_verdict_has(&v, (ms_category)c))
                fail_msg("\"%s\" flagged as %s", innocent[i], ms_category_name((ms_category)c));
    }
}

static void test_complaint_and_deadline(void **state)
{
    run("still waiting for someone to fix my boiler, third time I've called and nobody has "
        "called back. Disgusting service");
    assert_true(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_int_equal(v.primary, MS_CAT_REPAIR); /* repair before complaint (2.26) */
    assert_int_equal(v.respond_by_ms, 1764000000000 + MS_RESPONSE_DEADLINE_MS);
    run("I want to make a formal complaint about how I was treated");
    assert_true(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    assert_int_equal(v.action, MS_ACTION_ACKNOWLEDGE);
    /* negative but not a complaint */
    expect("the weather in Walsall is awful today", MS_CAT_COMPLAINT, false);
    /* a lure's problem words are its bait: moderation, not a complaint */
    run("hun I had the same problem with my credit score, this site sorted it for me "
        "fix-my-credit-score.c0m.ru");
    assert_true(ms_verdict_has(&v, MS_CAT_MALICIOUS_LINK));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    /* a rumour's problem words are its claim: a correction, not the complaints process */
    run("whg are closing all their offices and going online only from next month, no phone "
        "line at all anymore. Pensioners left to rot");
    assert_true(ms_verdict_has(&v, MS_CAT_MISINFORMATION));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
}

/* General complaint cues (failed service, waiting, stayed in, should not have
 * happened) and everyday sentences that share their words but complain about
 * nothing. */
static void test_complaint_cues(void **state)
{
    const char *complaints[] = {
        "We stayed in all day waiting for the contractor",
        "It takes so long to get anything done round here",
        "The contractors were unprofessional and left the place filthy",
        "This should never have happened to a tenant",
        "Your website has not worked all week and I cannot pay my rent",
        "Second time this month the bins have been left, not even a note",
        "The lift is broken again and the stairs light doesnt work either",
    };
    for (size_t i = 0; i < sizeof complaints / sizeof complaints[0]; i++)
        expect(complaints[i], MS_CAT_COMPLAINT, true);
    const char *not_complaints[] = {
        "It was confusing at first but the staff explained everything",
        "I already told my neighbour about the coffee morning",
        "In order to apply you do not need to ring the office",
        "That's why I love living here, the neighbours are great",
        "My son keeps telling me about the football club, when does it start?",
        "I didn't get to go to the coffee morning, will there be another one?",
        "I am going to cancel my subscription to the newsletter",
        "I've never had any problems with the repairs team",
        "Is the community centre still open on Sundays?",
        "Lovely to see the gardens looking good again this year",
        "Even my nan enjoyed the coffee morning",
    };
    for (size_t i = 0; i < sizeof not_complaints / sizeof not_complaints[0]; i++)
        expect(not_complaints[i], MS_CAT_COMPLAINT, false);
}

/* Complaint words that are not a grievance for the complaints process: hate and threats use
 * them as abuse (moderation instead, 2.2, 2.22), and a repair report's fault words describe the
 * fault, so only a cue beside the fault counts (2.25, 2.26); persistence between the thing and
 * its fault is the writer's ("still"), not the fault. */
static void test_complaint_grievance_and_fault(void **state)
{
    run("Funny how the new flats on our estate all go to immigrants and never our own. I can't "
        "get a look in. Sort it out whg");
    assert_true(ms_verdict_has(&v, MS_CAT_HATE));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    run("If that plumber turns up at my door again I swear I'll put him through the window");
    assert_true(ms_verdict_has(&v, MS_CAT_DETRIMENTAL));
    assert_true(v.urgent);
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    /* the fault ("hanging off") does not count; "every time it rains" alone is too weak */
    run("The gutter at the back is hanging off and overflows every time it rains");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    run("The gutter has been hanging off for three weeks and nobody has come out");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_true(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    run("The bathroom light is still not working!!");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_true(ms_verdict_has(&v, MS_CAT_COMPLAINT));
}

/* A seller's advert names other people's faults and grievances as bait: no complaint, no repair
 * report, and so not kept from the Specialist's review (2.26 keeps repair reports); a customer's
 * complaint about an offer stays a complaint. */
static void test_seller_advert(void **state)
{
    run("Landlord ignoring your mould and leaks? We're a specialist disrepair firm, you could "
        "claim thousands in compensation. Message us now");
    assert_true(ms_verdict_has(&v, MS_CAT_ADVERTISING));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    assert_false(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_int_equal(v.removal, MS_REMOVAL_REVIEW);
    run("Still waiting on my refund, I signed up on their special offer and it never started");
    assert_true(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    /* a call to action is the seller's voice: "no credit check, DM" is no missing reply */
    run("Cheap loans, no credit check, DM us now");
    assert_true(ms_verdict_has(&v, MS_CAT_ADVERTISING));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
}

/* Repair cues that are a threat's own words report no fault; a threat beside a fault keeps its
 * repair (test_policy_by_place: "if nobody fixes my boiler ... I'll burn the place down"), and so
 * does the same pair of cues without a threat. */
static void test_repair_beside_abuse(void **state)
{
    run("If that surveyor turns up at my door again I swear I'll put him through the window");
    assert_true(ms_verdict_has(&v, MS_CAT_DETRIMENTAL));
    assert_false(ms_verdict_has(&v, MS_CAT_REPAIR));
    /* the same pair without abuse is a repair */
    run("The surveyor is coming on Tuesday to look at the window");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    /* a threat that names the fault keeps its repair */
    run("The window is smashed and if that contractor turns up late again I'll put him through "
        "the window");
    assert_true(ms_verdict_has(&v, MS_CAT_DETRIMENTAL));
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
}

/* A question whg would not answer on the post (2.28): an advert's, a take-down request's. */
static void test_question_not_answerable(void **state)
{
    run("Are you a whg tenant fed up with damp? We're a no win no fee housing disrepair firm, "
        "claim up to \xc2\xa3" "10k compensation. DM us today");
    assert_true(ms_verdict_has(&v, MS_CAT_ADVERTISING));
    assert_false(ms_verdict_has(&v, MS_CAT_QUESTION));
    run("Could you take the photo of me down from your Facebook page please? I never agreed to it");
    assert_true(ms_verdict_has(&v, MS_CAT_CONSENT_WITHDRAWAL));
    assert_false(ms_verdict_has(&v, MS_CAT_QUESTION));
    run("What time does the rent office open on Saturdays?");
    assert_true(ms_verdict_has(&v, MS_CAT_QUESTION));
}

static void test_repairs(void **state)
{
    run("I can smell gas in my kitchen");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_int_equal(v.repair_urgency, MS_URGENCY_EMERGENCY);
    assert_true(v.urgent);
    assert_int_equal(v.action, MS_ACTION_REDIRECT_TO_REPAIRS);
    run("we have had no heating or hot water since Monday");
    assert_int_equal(v.repair_urgency, MS_URGENCY_EMERGENCY);
    /* heating that does not work is no heating (2.26: an emergency) */
    run("my heating is not working and it's freezing");
    assert_int_equal(v.repair_urgency, MS_URGENCY_EMERGENCY);
    assert_true(v.urgent);
    /* a fault reported is a service request, not a complaint (2.25, 2.26)... */
    run("bathroom extractor fan's stopped working, steam everywhere after a shower");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    /* more repair evidence than the label holds hides no complaint cue */
    run("Heating not working in the whole flat, radiators stone cold. It's freezing in here");
    assert_true(v.label[MS_CAT_REPAIR].dropped_evidence > 0);
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    /* ...until it says how the service failed */
    run("the extractor fan stopped working three weeks ago and nobody has come out");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_true(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    /* one cold radiator is not the whole system */
    run("Radiator in the kids room is cold at the top, does it need bleeding?");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_true(v.repair_urgency != MS_URGENCY_EMERGENCY);
    assert_false(v.urgent);
    run("the kitchen tap is dripping, can someone look at it");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_true(v.repair_urgency == MS_URGENCY_ROUTINE || v.repair_urgency == MS_URGENCY_URGENT);
    assert_false(v.urgent);
}

static void test_service_categories(void **state)
{
    run("Thank you so much to the team, brilliant service!");
    assert_true(ms_verdict_has(&v, MS_CAT_POSITIVE));
    assert_int_equal(v.action, MS_ACTION_THANK);
    expect("thanks for nothing, useless as ever", MS_CAT_POSITIVE, false);
    run("What time does the office open on Saturday?");
    assert_true(ms_verdict_has(&v, MS_CAT_QUESTION));
    assert_int_equal(v.action, MS_ACTION_ANSWER_PUBLICLY);
    run("please take down the photo of my kids, I did not give permission");
    assert_true(ms_verdict_has(&v, MS_CAT_CONSENT_WITHDRAWAL));
    assert_int_equal(v.action, MS_ACTION_TAKE_DOWN_ON_REQUEST);
    run_kind("whg are rubbish landlords", MS_KIND_EXTERNAL_MENTION, false);
    assert_true(ms_verdict_has(&v, MS_CAT_EXTERNAL));
}

/* Everyday posts that once scored two facets from one phrase, or met an
 * entry too broad for its list: each must stay clear of the ground. */
static void test_everyday_posts_stay_clear(void **state)
{
    expect("I keep ringing her and she never answers, the housing officer is useless",
           MS_CAT_DETRIMENTAL, false);
    expect("My son's got a side hustle doing nails", MS_CAT_ADVERTISING, false);
    expect("the community centre is closing for good, so sad", MS_CAT_MISINFORMATION, false);
    expect("let me know what time she's coming, the housing officer said Tuesday",
           MS_CAT_DETRIMENTAL, false);
    expect("the gobby lad upstairs has been shouting all night", MS_CAT_SEXUAL_GRAPHIC, false);
    /* a fake scheme behind a dressed-up link is false news; the same offer
     * quoted in a warning is not, though its link is still malicious */
    const char *lure = "Council tax rebate ends TONIGHT, claim your £150 at walsall-gov-rebate.uk";
    expect(lure, MS_CAT_MISINFORMATION, true);
    const char *warning = "SCAM WARNING: don't click walsall-gov-rebate.uk, it's not the council, "
                          "they want your bank details for a £150 rebate";
    expect(warning, MS_CAT_MISINFORMATION, false);
    expect(warning, MS_CAT_MALICIOUS_LINK, true);
}

/* A take-down request from someone in danger is urgent (2.14, 2.22); the
 * same words without a request, or a request without them, are not. */
static void test_consent_safeguarding_urgent(void **state)
{
    run("Hi, can you take down the video from the summer fair please, my daughter is in it "
        "and her dad isn't allowed to know where we live");
    assert_true(ms_verdict_has(&v, MS_CAT_CONSENT_WITHDRAWAL));
    assert_true(v.urgent);
    assert_int_equal(v.priority, MS_PRIORITY_URGENT);
    run("please take down the photo of my kids, I did not give permission");
    assert_true(ms_verdict_has(&v, MS_CAT_CONSENT_WITHDRAWAL));
    assert_false(v.urgent);
    run("Our domestic abuse support team can help if you are not safe at home");
    assert_false(ms_verdict_has(&v, MS_CAT_CONSENT_WITHDRAWAL));
    assert_false(v.urgent);
}

/* An individual case (2.26): a neighbour's nuisance, arrears, a need to
 * move; urgent when the writer is not safe at home (2.22). Not a general
 * question about the same things, not the ASB team talked about or
 * insulted, not a threat or a seller's bait. */
static void test_individual_case(void **state)
{
    (void)state;
    run("my neighbour plays loud music til 3am every night");
    assert_int_equal(v.primary, MS_CAT_INDIVIDUAL_CASE);
    assert_int_equal(v.action, MS_ACTION_ASK_TO_INBOX);
    assert_false(v.urgent);
    expect("I'm behind on my rent and got an eviction notice today", MS_CAT_INDIVIDUAL_CASE, true);
    expect("we are overcrowded and need to move, please help", MS_CAT_INDIVIDUAL_CASE, true);
    run("I'm fleeing domestic abuse with my kids and need rehousing");
    assert_true(ms_verdict_has(&v, MS_CAT_INDIVIDUAL_CASE));
    assert_true(v.urgent);
    run("Our domestic abuse support team can help if you are not safe at home");
    assert_false(ms_verdict_has(&v, MS_CAT_INDIVIDUAL_CASE));
    assert_false(v.urgent);
    expect("How do I apply for a transfer?", MS_CAT_INDIVIDUAL_CASE, false);
    expect("Where do I send my housing benefit letter?", MS_CAT_INDIVIDUAL_CASE, false);
    expect("piss poor response from the ASB team, bunch of wankers", MS_CAT_INDIVIDUAL_CASE,
           false);
    expect("If whg evict me I swear to god I'll take a few of you with me",
           MS_CAT_INDIVIDUAL_CASE, false);
    expect("Behind on your rent? Message us today, no credit checks, debt cleared fast",
           MS_CAT_INDIVIDUAL_CASE, false);
    /* one facet counts in an unhappy post, not in a calm one, nor beside a repair or a House
     * Rules ground (which the case would keep from removal) */
    expect("been in band 2 for three years with my son in a wheelchair upstairs, still nothing, "
           "absolutely disgusted",
           MS_CAT_INDIVIDUAL_CASE, true);
    expect("What band would a family of four be in?", MS_CAT_INDIVIDUAL_CASE, false);
    run("water pouring through my kitchen ceiling from the flat above, it's not stopping");
    assert_true(ms_verdict_has(&v, MS_CAT_REPAIR));
    assert_false(ms_verdict_has(&v, MS_CAT_INDIVIDUAL_CASE));
    run("Karen from the ASB team, everyone knows her husband's in the Three Crowns every night. "
        "Sort your own house out");
    assert_false(ms_verdict_has(&v, MS_CAT_INDIVIDUAL_CASE));
    assert_int_equal(v.removal, MS_REMOVAL_REVIEW);
    /* trouble with a neighbour is a case; a complaint too only when it names whg's service or
     * its inaction (2.25, 2.26) */
    run("the family downstairs keep banging on the ceiling and shouting abuse, I can't take any "
        "more of it, it's disgusting");
    assert_true(ms_verdict_has(&v, MS_CAT_INDIVIDUAL_CASE));
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    assert_false(ms_verdict_has(&v, MS_CAT_REPAIR)); /* the banging is theirs, not a ceiling's */
    run("Reported the family next door 14 times for drugs and shouting at 3am and whg have done "
        "nothing, absolutely disgusting");
    assert_true(ms_verdict_has(&v, MS_CAT_INDIVIDUAL_CASE));
    assert_true(ms_verdict_has(&v, MS_CAT_COMPLAINT));
}

/* `flags: [urgent]` makes a mention urgent only when its rule's category is
 * labelled: a weak urgent cue below the threshold makes nothing urgent. */
static void test_urgent_flag_needs_the_label(void **state)
{
    char dir[] = "/tmp/ms-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fixture_put(dir, "ruleset.yaml", "files: [r.yaml]\n");
    fixture_put(dir, "r.yaml",
                "rules:\n"
                "  - id: advertising.flagged\n"
                "    category: advertising\n"
                "    weight: 0.5\n"
                "    flags: [urgent]\n"
                "    patterns: ['zzcue']\n"
                "  - id: advertising.other\n"
                "    category: advertising\n"
                "    weight: 0.6\n"
                "    patterns: ['yycue']\n");
    ms_ruleset *lr;
    ms_engine *le = dir_engine(dir, &lr);
    ms_verdict lv;
    ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .text = {"zzcue here", 10}, .created_at_ms = 1764000000000};
    assert_true(ms_engine_classify(le, &m, &lv));
    assert_false(ms_verdict_has(&lv, MS_CAT_ADVERTISING));
    assert_false(lv.urgent);
    m.text = (ms_str){"zzcue and yycue", 15};
    assert_true(ms_engine_classify(le, &m, &lv));
    assert_true(ms_verdict_has(&lv, MS_CAT_ADVERTISING));
    assert_true(lv.urgent);
    m.text = (ms_str){"yycue alone yycue", 17};
    assert_true(ms_engine_classify(le, &m, &lv));
    assert_false(lv.urgent);
    ms_engine_free(le);
    ms_ruleset_free(lr);
    remove_dir(dir);
}

/* Through the whole engine with the default rules: what a rule's action and
 * where the mention was written do to the decision (decide.c). */
static void test_policy_by_place(void **state)
{
    /* only the person's records can answer it: to the inbox (2.27, 2.28) */
    run("How much do I owe on my rent account?");
    assert_int_equal(v.primary, MS_CAT_QUESTION);
    assert_int_equal(v.action, MS_ACTION_ASK_TO_INBOX);
    run("Can I pay my rent online?");
    assert_int_equal(v.action, MS_ACTION_ANSWER_PUBLICLY);
    /* in the inbox already: answered there; its phone number is no ground,
     * and an inbox message is never "external", page_owned or not */
    run_kind("How much do I owe? my number is 07700 900123", MS_KIND_INBOX_MESSAGE, false);
    assert_true(ms_verdict_has(&v, MS_CAT_PERSONAL_INFO));
    assert_false(ms_verdict_has(&v, MS_CAT_EXTERNAL));
    assert_int_equal(v.primary, MS_CAT_QUESTION);
    assert_int_equal(v.action, MS_ACTION_REPLY_IN_INBOX);
    assert_int_equal(v.removal, MS_REMOVAL_NONE);
    /* a repair report that swears must stay (2.26) */
    run("My boiler is broken again and the fucking heating is off");
    assert_int_equal(v.primary, MS_CAT_REPAIR);
    assert_true(ms_verdict_has(&v, MS_CAT_PROFANITY));
    assert_int_equal(v.removal, MS_REMOVAL_NEVER);
    /* a threat in a repair report is aggressive language the Specialist
     * may remove (2.23, after advice 2.3), and urgent (2.22) */
    run("If nobody fixes my boiler by Friday I'll burn the place down");
    assert_int_equal(v.primary, MS_CAT_REPAIR);
    assert_true(v.urgent);
    assert_int_equal(v.removal, MS_REMOVAL_REVIEW);
    /* swearing on someone else's page: nothing whg can remove (2.29) */
    run_kind("whg are a bunch of wankers", MS_KIND_PUBLIC_COMMENT, false);
    assert_int_equal(v.removal, MS_REMOVAL_NOT_OURS);
    assert_int_equal(v.action, MS_ACTION_REVIEW_CASE_BY_CASE);
    run("whg are a bunch of wankers");
    assert_int_equal(v.removal, MS_REMOVAL_REVIEW);
    assert_int_equal(v.action, MS_ACTION_REVIEW_FOR_REMOVAL);
    /* general dissatisfaction is a complaint on whg's pages; on others'
     * pages only a specific complaint is (2.29), the rest case by case */
    run("whg are the worst landlord in Walsall");
    assert_int_equal(v.primary, MS_CAT_COMPLAINT);
    run_kind("whg are the worst landlord in Walsall", MS_KIND_EXTERNAL_MENTION, false);
    assert_false(ms_verdict_has(&v, MS_CAT_COMPLAINT));
    assert_int_equal(v.primary, MS_CAT_NEGATIVE); /* a negative comment, even if mildly put */
    assert_int_equal(v.action, MS_ACTION_REVIEW_CASE_BY_CASE);
    assert_int_equal(v.respond_by_ms, 0);
    run_kind("whg are useless, still no reply to my complaint", MS_KIND_EXTERNAL_MENTION, false);
    assert_int_equal(v.primary, MS_CAT_COMPLAINT);
    assert_int_equal(v.action, MS_ACTION_ACKNOWLEDGE);
    /* someone saying they may harm themselves: urgent, escalated, and the
     * comment stays (the self-harm rule is never_remove) */
    run("I want to end it all");
    assert_true(ms_verdict_has(&v, MS_CAT_DETRIMENTAL));
    assert_true(v.urgent);
    assert_int_equal(v.action, MS_ACTION_ESCALATE_TO_COMMUNICATIONS);
    assert_int_equal(v.removal, MS_REMOVAL_NEVER);
    assert_string_equal(v.removal_clause, "2.22");
    run_kind("I want to end it all", MS_KIND_EXTERNAL_MENTION, false);
    assert_int_equal(v.action, MS_ACTION_ESCALATE_TO_COMMUNICATIONS); /* wherever it is said */
    assert_true(v.urgent);
}

static void test_priority_public_first(void **state)
{
    run_kind("What time does the office open on Saturday?", MS_KIND_PUBLIC_COMMENT, true);
    assert_int_equal(v.priority, MS_PRIORITY_HIGH);
    run_kind("What time does the office open on Saturday?", MS_KIND_INBOX_MESSAGE, true);
    assert_int_equal(v.priority, MS_PRIORITY_NORMAL);
}

/* Finds the redaction of `kind` and checks it covers exactly `span`. */
static void expect_redaction(const char *text, ms_pii_kind kind, const char *span)
{
    run(text);
    const char *at = strstr(text, span);
    assert_non_null(at);
    uint32_t s = (uint32_t)(at - text), e = s + (uint32_t)strlen(span);
    for (uint8_t i = 0; i < v.n_redactions; i++)
        if (v.redaction[i].start == s && v.redaction[i].end == e) {
            if (v.redaction[i].kind != kind)
                fail_msg("\"%s\": the redaction at [%u,%u) is %s, not %s", text, s, e,
                         ms_pii_kind_name(v.redaction[i].kind), ms_pii_kind_name(kind));
            assert_true(ms_verdict_has(&v, MS_CAT_PERSONAL_INFO));
            return;
        }
    fail_msg("\"%s\": no %s redaction at [%u,%u) (%u redactions)", text,
             ms_pii_kind_name(kind), s, e, v.n_redactions);
}

static void test_personal_information(void **state)
{
    expect_redaction("ring me on 07700 900123 please", MS_PII_PHONE, "07700 900123");
    expect_redaction("my email is jo.bloggs@example.com thanks", MS_PII_EMAIL,
                     "jo.bloggs@example.com");
    expect_redaction("I live at WS1 1AA", MS_PII_POSTCODE, "WS1 1AA");
    expect_redaction("my NI number is AB 12 34 56 C", MS_PII_NI_NUMBER, "AB 12 34 56 C");
    /* a card number is one with its Luhn check digit right */
    expect_redaction("card 4111 1111 1111 1111 please", MS_PII_BANK, "4111 1111 1111 1111");
    run("tracking 4111 1111 1111 1112");
    assert_int_equal(v.n_redactions, 0);
    /* QQ is not an issued NI prefix: no NI redaction */
    run("reference QQ123456C");
    for (uint8_t i = 0; i < v.n_redactions; i++)
        assert_int_not_equal(v.redaction[i].kind, MS_PII_NI_NUMBER);

    /* the redacted output masks exactly the span, byte for byte */
    const char *text = "call 07700 900123 now";
    ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .text = {text, strlen(text)}};
    assert_true(ms_engine_classify(eng, &m, &v));
    ms_buf out;
    ms_buf_init(&out);
    ms_encode_ctx ctx = {.rules = rs, .redact = true};
    assert_true(ms_encode_classified(&out, MS_ENC_JSON, &ctx, &m, &v));
    ms_buf_terminate(&out);
    assert_non_null(strstr(out.data, "\"call ************ now\""));
    assert_null(strstr(out.data, "900123"));
    ms_buf_free(&out);
}

/* A UK number written with the country code, +44 or 0044, often keeps the
 * trunk 0 in brackets: "+44 (0)7700 900123". Behind the prefix the national
 * number has 9 or 10 digits, as behind the trunk 0 of "07700 900123". */
static void test_phone_country_code(void **state)
{
    static const char *const valid[] = {
        "07700 900123",       "07700900123",       "+44 7700 900123", "+447700900123",
        "+44 (0)7700 900123", "+44(0)7700900123",  "0044 7700 900123", "0044 (0)7700 900123",
        "+44 (0)121 496 0000", "0044 121 496 0000", "0121 496 0000",   "(0121) 496 0123",
    };
    static const char *const invalid[] = {
        "077009001234",         /* 11 digits after the trunk 0 */
        "+44 (0)7700 9001234",  /* 11 after +44 (0) */
        "0044 7700 9001",       /* 8 after 0044 */
        "+33 7700 900123",      /* not the UK */
        "+44 (0)0121 496 000",  /* a national number never starts with 0 */
        "7700 900123",          /* neither 0 nor +44 */
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (!ms_pii_valid_uk_phone(valid[i], strlen(valid[i])))
            fail_msg("\"%s\" rejected", valid[i]);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        if (ms_pii_valid_uk_phone(invalid[i], strlen(invalid[i])))
            fail_msg("\"%s\" accepted", invalid[i]);
    expect_redaction("call me on +44 (0)7700 900123 after 6", MS_PII_PHONE,
                     "+44 (0)7700 900123");
    expect_redaction("from abroad 0044 7700 900123", MS_PII_PHONE, "0044 7700 900123");
    expect_redaction("work: +44 (0)121 496 0000", MS_PII_PHONE, "+44 (0)121 496 0000");
}

/* The raw view's main database holds looser detectors (leading \b and open
 * runs trimmed, ruleset.c); the exact pattern decides. Text the detector
 * alone would accept must stay unlabelled, and spans must stay exact. */
static void test_raw_detectors_stay_exact(void **state)
{
    /* "ws1 1ab" inside a longer word: no boundary before it */
    expect("our reference is xxws1 1ab", MS_CAT_PERSONAL_INFO, false);
    /* six digits and a letter without the two NI prefix letters */
    expect("order 123456 a arrived", MS_CAT_PERSONAL_INFO, false);
    /* the NI pattern takes any letters and leaves the prefix to the
     * validator: one letter or three are still no NI number */
    expect("code A 12 34 56 C please", MS_CAT_PERSONAL_INFO, false);
    expect("code XAB 12 34 56 C please", MS_CAT_PERSONAL_INFO, false);
    expect_redaction("NI: JK 12 34 56 D", MS_PII_NI_NUMBER, "JK 12 34 56 D");
    /* the address span starts at the whole house number, not its last digit */
    expect_redaction("send it to 1234 Birchills Street please", MS_PII_ADDRESS,
                     "1234 Birchills Street");
    /* the e-mail span starts at the local part's first character */
    expect_redaction("write to mary.j.o.n.e.s+whg@example.co.uk today", MS_PII_EMAIL,
                     "mary.j.o.n.e.s+whg@example.co.uk");
    expect_redaction("it's jo.bloggs at gmail dot com", MS_PII_EMAIL,
                     "jo.bloggs at gmail dot com");
}

static void test_evidence_spans_in_original(void **state)
{
    const char *text = "Honestly, you're a total W@NKER!!";
    run(text);
    assert_true(ms_verdict_has(&v, MS_CAT_PROFANITY));
    const ms_label *l = &v.label[MS_CAT_PROFANITY];
    assert_true(l->n_evidence >= 1);
    assert_int_equal(l->evidence[0].start, 25);
    assert_int_equal(l->evidence[0].end, 31);
}

static void test_hostile_text(void **state)
{
    run("");
    assert_int_equal(v.primary, MS_CAT_OTHER);
    /* invalid UTF-8 never hides a match in the valid part */
    run("\xFF\xFE shit \xC3");
    assert_true(ms_verdict_has(&v, MS_CAT_PROFANITY));
    /* a megabyte of one character, and a megabyte of emoji */
    size_t n = 1u << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    run(big);
    for (size_t i = 0; i + 4 <= n; i += 4)
        memcpy(big + i, "\xF0\x9F\x98\xA0", 4); /* angry face */
    run(big);
    assert_true(v.sentiment.compound < -0.5f);
    /* a megabyte of what the rejoining of spelled-out letters reads: one-letter words, and a
     * spelled-out word over and over; each is read once, so this takes as long as the text */
    const char *const units[] = {"u ", "a r ", "f u c k ", "x.y.z "};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ul = strlen(units[u]);
        for (size_t i = 0; i + ul <= n; i += ul)
            memcpy(big + i, units[u], ul);
        memset(big + n - n % ul, ' ', n % ul);
        run(big);
    }
    assert_true(ms_verdict_has(&v, MS_CAT_OTHER));
    free(big);
}

static void test_sentiment_rules(void **state)
{
    run("The service was good");
    float good = v.sentiment.compound;
    run("The service was very good");
    assert_true(v.sentiment.compound > good);  /* booster */
    run("The service was not good");
    assert_true(v.sentiment.compound < 0);     /* negation */
    run("The service was GOOD");
    assert_true(v.sentiment.compound > good);  /* caps emphasis */
    run("The service was good!!!");
    assert_true(v.sentiment.compound > good);  /* exclamation */
    run("The staff were kind, but the repair was terrible");
    assert_true(v.sentiment.compound < 0);     /* "but" shifts weight */
    run("great job \xF0\x9F\x98\x8A");
    assert_true(v.sentiment.compound > 0.5f);
    assert_true(v.sentiment.compound <= 1.0f && v.sentiment.compound >= -1.0f);
    /* idioms are one sentiment word: "die" alone is sad, "to die for" praise,
     * and negation still applies to an idiom as to a word */
    run("I could die");
    assert_true(v.sentiment.compound < 0);
    run("That cake was to die for");
    assert_true(v.sentiment.compound > 0.3f);
    run("That cake was not to die for");
    assert_true(v.sentiment.compound < 0);
    run("Dead chuffed with the new kitchen");
    assert_true(v.sentiment.compound > 0.3f);
    run("The grass cutting is on Tuesday");    /* a household word, not a wound */
    assert_true(v.sentiment.compound == 0.0f);
}

/* max_text_bytes: only that much is scanned, and the cut never splits a
 * UTF-8 character (15 ASCII bytes, then a 2-byte one that would cross 16). */
static void test_scan_limit_cuts_on_a_character(void **state)
{
    char err[256];
    ms_engine_options opt = {.max_text_bytes = 16};
    ms_engine *small = ms_engine_new(rs, &opt, err, sizeof err);
    assert_non_null(small);
    ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .text = {"aaaaaaaaaaaaaaa\xC3\xA9 shit", 22}};
    ms_verdict cut;
    assert_true(ms_engine_classify(small, &m, &cut));
    assert_int_equal(cut.text_bytes_scanned, 15);
    assert_false(ms_verdict_has(&cut, MS_CAT_PROFANITY)); /* beyond the cut */
    m.text = (ms_str){"shit aaaaaaaaaa\xC3\xA9 more", 22};
    assert_true(ms_engine_classify(small, &m, &cut));
    assert_true(ms_verdict_has(&cut, MS_CAT_PROFANITY)); /* within it */
    /* stray continuation bytes at the cut are invalid text, not a character
     * to keep whole: the cut stays put and the number before them is found */
    m.text = (ms_str){"call 0770090012\x80\x80\x80\x80\x80", 20};
    assert_true(ms_engine_classify(small, &m, &cut));
    assert_int_equal(cut.text_bytes_scanned, 16);
    m.text = (ms_str){"ring 07700900123\x80\x80\x80\x80", 20};
    assert_true(ms_engine_classify(small, &m, &cut));
    assert_int_equal(cut.text_bytes_scanned, 16);
    assert_int_equal(cut.n_redactions, 1);
    assert_int_equal(cut.redaction[0].start, 5);
    assert_int_equal(cut.redaction[0].end, 16);
    /* a 3-byte character whose last byte would cross the cut: cut before it */
    m.text = (ms_str){"aaaaaaaaaaaaaa\xE2\x82\xAC more", 22};
    assert_true(ms_engine_classify(small, &m, &cut));
    assert_int_equal(cut.text_bytes_scanned, 14);
    ms_engine_free(small);
}

/* A rule too weak to label personal information alone ("flat 3") redacts
 * only when the category is labelled: with an address beside it, not in
 * an ordinary sentence. */
static void test_weak_redactions_need_the_label(void **state)
{
    run("flat 3 has had no hot water since Monday");
    assert_false(ms_verdict_has(&v, MS_CAT_PERSONAL_INFO));
    assert_int_equal(v.n_redactions, 0);
    run("I live in flat 3, 45 Green Lane");
    assert_true(ms_verdict_has(&v, MS_CAT_PERSONAL_INFO));
    assert_int_equal(v.n_redactions, 2);
    assert_int_equal(v.redaction[0].start, 10); /* "flat 3" */
    assert_int_equal(v.redaction[0].end, 16);
}

/* More personal information than a verdict has redaction slots: every
 * number is still masked (the last slots grow to cover the rest), none is
 * let through. */
static void test_many_redactions_all_masked(void **state)
{
    char text[1024];
    size_t len = 0;
    for (int i = 0; i < 3 * MS_MAX_REDACTIONS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s0770090%04d", i ? " and " : "", i);
    run(text);
    assert_int_equal(v.n_redactions, MS_MAX_REDACTIONS);
    assert_true(v.merged_redactions > 0);
    for (const char *p = text; (p = strstr(p, "07700")) != NULL; p += 11) {
        uint32_t at = (uint32_t)(p - text);
        bool covered = false;
        for (uint8_t i = 0; i < v.n_redactions; i++)
            covered |= v.redaction[i].start <= at && v.redaction[i].end >= at + 11;
        if (!covered)
            fail_msg("the number at byte %u is not masked", at);
    }
}

/* Writes a small rule set with errors and checks they are reported with file:line. */
static void test_rule_errors(void **state)
{
    char dir[] = "/tmp/ms-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/ruleset.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("files: [bad.yaml]\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/bad.yaml", dir);
    f = fopen(path, "w");
    fputs("rules:\n"
          "  - id: ok.rule\n"
          "    category: profanity\n"
          "    patterns: ['dang']\n"
          "  - id: bad.regex\n"
          "    category: profanity\n"
          "    patterns:\n"
          "      - 'unclosed (group'\n"
          "  - id: bad.category\n"
          "    category: nonsense\n"
          "    patterns: ['x']\n"
          /* accepted once, silently doing nothing: each now an error */
          "  - id: engine.category\n"               /* 12 */
          "    category: negative\n"
          "    patterns: ['meh']\n"
          "  - id: words.validate\n"                /* 15 */
          "    category: personal_info\n"
          "    validate: uk_phone\n"
          "    patterns: ['[0-9]{11}']\n"
          "  - id: raw.prefix\n"                    /* 19 */
          "    category: profanity\n"
          "    view: raw\n"
          "    list: raw.txt\n"
          "  - id: outer.composite\n"               /* 23 */
          "    category: profanity\n"
          "    all_of: [ok.rule, inner.composite]\n"
          "  - id: inner.composite\n"
          "    category: profanity\n"
          "    all_of: [ok.rule, bad.regex, ok, no.such]\n"
          "  - id: lost.id\n"                      /* 29 */
          "    category: profanity\n"
          "    patterns: ['drat']\n"
          "    category: profanity\n"              /* 32: the next rule's "- id:" lost */
          "    patterns: ['blast']\n",
          f);
    fclose(f);
    snprintf(path, sizeof path, "%s/raw.txt", dir);
    f = fopen(path, "w");
    fputs("# a comment\nscam*\n", f);
    fclose(f);
    ms_buf err;
    ms_buf_init(&err);
    ms_ruleset_options opt = {.cache_dir = "", .check_all = true};
    ms_ruleset *bad = ms_ruleset_load(dir, &opt, &err);
    assert_null(bad);
    ms_buf_terminate(&err);
    assert_non_null(strstr(err.data, "bad.yaml:10: rule 'bad.category': unknown category"));
    assert_non_null(strstr(err.data, "bad.yaml:8: pattern"));
    /* Hyperscan's index counts the compiled text: the place is shown there */
    assert_non_null(strstr(err.data, "(as compiled: ' ' here-> '(?:unclosed (group) ')"));
    assert_non_null(strstr(err.data, "bad.yaml:13: rule 'engine.category': category 'negative' "
                                     "is set by the engine"));
    assert_non_null(strstr(err.data, "bad.yaml:17: rule 'words.validate': validate: checks "
                                     "digits in the original text, so it needs view: raw"));
    assert_non_null(strstr(err.data, "raw.txt:2: list entry 'scam*': a trailing * (longer "
                                     "words) works in the words view only"));
    assert_non_null(strstr(err.data, "bad.yaml:23: rule 'outer.composite': all_of names "
                                     "'inner.composite', an all_of rule defined after it"));
    /* an id's prefix is no id */
    assert_non_null(strstr(err.data, "bad.yaml:26: rule 'inner.composite': all_of names unknown "
                                     "rule 'ok'\n"));
    assert_non_null(strstr(err.data, "bad.yaml:26: rule 'inner.composite': all_of names unknown "
                                     "rule 'no.such'"));
    assert_null(strstr(err.data, "unknown rule 'bad.regex'"));
    assert_non_null(strstr(err.data, "bad.yaml:32: key 'category' given twice in one mapping "
                                     "(first at line 30)"));
    assert_non_null(strstr(err.data, "bad.yaml:33: key 'patterns' given twice"));
    ms_buf_free(&err);
    remove_dir(dir);
}

/* A batch gives every mention the verdict it gets alone: the same labels,
 * scores, evidence, redactions and decision, whatever its neighbours. */
static void test_batch_equals_one_at_a_time(void **state)
{
    static const char *const texts[] = {
        "Still waiting for someone to fix the boiler, nobody has called back",
        "",
        "f u c k this, call me on 07700 900123",
        "Thank you so much to the team, brilliant service!",
        "My boiler is broken again and the fucking heating is off",
        "How much do I owe on my rent account?",
        "Muslims are ruining Walsall",
        "Dave from repairs never turned up again",
        "I want to end it all",
        "Can I pay my rent online?",
        "smell of gas in the kitchen, email me at a.b@example.com",
        "\xff\xfe broken UTF-8 but a leak in the roof",
        "whg are the worst landlord in Walsall",
        "please take down the photo of my kids, I did not give permission",
        "What time does the office open on Saturday?",
        "the caretaker Dave is rude",
        "one more than a batch holds: the seventeenth",
    };
    enum { N = sizeof texts / sizeof texts[0] };
    ms_mention m[N];
    for (size_t i = 0; i < N; i++)
        m[i] = (ms_mention){.kind = i % 3 == 1 ? MS_KIND_INBOX_MESSAGE : MS_KIND_PUBLIC_COMMENT,
                            .page_owned = i % 5 != 4, .text = {texts[i], strlen(texts[i])},
                            .created_at_ms = 1764000000000};
    static ms_verdict alone[N], batch[MS_ENGINE_BATCH];
    for (size_t i = 0; i < N; i++)
        assert_true(ms_engine_classify(eng, &m[i], &alone[i]));
    /* a full batch, then the rest; and a batch too large is refused */
    assert_false(ms_engine_classify_batch(eng, m, batch, MS_ENGINE_BATCH + 1));
    for (size_t from = 0; from < N; from += MS_ENGINE_BATCH) {
        size_t n = N - from < MS_ENGINE_BATCH ? N - from : MS_ENGINE_BATCH;
        assert_true(ms_engine_classify_batch(eng, &m[from], batch, n));
        for (size_t i = 0; i < n; i++)
            if (memcmp(&batch[i], &alone[from + i], sizeof batch[i]) != 0)
                fail_msg("\"%s\": its verdict in a batch differs from alone", texts[from + i]);
    }
}


/* The regular expressions a rule set lists for measuring tools (bench_engine --pattern-cost):
 * every one, those of one width and those anchored at the start (which need no start-of-match
 * pass) as much as the others; list entries are literals and are not listed. */
static void test_regex_listing(void **state)
{
    (void)state;
    char dir[] = "/tmp/ms-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fixture_put(dir, "ruleset.yaml", "files: [r.yaml]\n");
    fixture_put(dir, "swear.txt", "dang\nblast\n");
    fixture_put(dir, "r.yaml", "rules:\n"
                            "  - id: profanity.t\n"
                            "    category: profanity\n"
                            "    list: swear.txt\n"
                            "    patterns: ['drat+', 'cr[ua]mbs']\n"
                            "  - id: advertising.t\n"
                            "    category: advertising\n"
                            "    view: raw\n"
                            "    patterns: ['^selling', 'buy\\s+now', 'x[0-9]{3}y']\n");
    ms_ruleset_options opt = {.cache_dir = ""};
    ms_ruleset *lr = ms_ruleset_load(dir, &opt, NULL);
    assert_non_null(lr);
    assert_int_equal(ms_ruleset_regex_count(lr), 5);
    const char *want[] = {"drat+", "cr[ua]mbs", "^selling", "buy\\s+now", "x[0-9]{3}y"};
    for (size_t i = 0; i < 5; i++) {
        bool found = false;
        for (uint32_t k = 0; k < ms_ruleset_regex_count(lr); k++)
            found |= strcmp(ms_ruleset_regex_at(lr, k)->source, want[i]) == 0;
        if (!found)
            fail_msg("regex '%s' is not listed", want[i]);
    }
    ms_ruleset_free(lr);
    remove_dir(dir);
}

/* {list:FILE} in a pattern: the list's entries as an alternation, normalised
 * like list entries, next to the pattern's own words; a list that cannot be
 * used is reported with the pattern's file:line, or the entry's. */
static void test_list_reference(void **state)
{
    char dir[] = "/tmp/ms-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fixture_put(dir, "ruleset.yaml", "files: [r.yaml]\n");
    fixture_put(dir, "names.txt", "# first names\nDave\nZo\xc3\xab\n\nsarah # a comment\n");
    fixture_put(dir, "swear.txt", "dang\n"); /* a words database needs a literal */
    fixture_put(dir, "r.yaml", "rules:\n"
                            "  - id: profanity.t\n"
                            "    category: profanity\n"
                            "    list: swear.txt\n"
                            "  - id: colleague.t\n"
                            "    category: colleague\n"
                            "    patterns: ['caretaker {list:names.txt}']\n");
    ms_ruleset *lr;
    ms_engine *le = dir_engine(dir, &lr);
    ms_ruleset_options opt = {.cache_dir = ""};
    const char *hits[] = {"the caretaker Dave again", "CARETAKER ZOE", "caretaker s a r a h"};
    const char *misses[] = {"the caretaker davey", "caretaker said", "dave the caretaker"};
    for (size_t i = 0; i < 3; i++) {
        ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                        .text = {hits[i], strlen(hits[i])}};
        assert_true(ms_engine_classify(le, &m, &v));
        if (!ms_verdict_has(&v, MS_CAT_COLLEAGUE))
            fail_msg("\"%s\" should match caretaker {list:names.txt}", hits[i]);
        m.text = (ms_str){misses[i], strlen(misses[i])};
        assert_true(ms_engine_classify(le, &m, &v));
        if (ms_verdict_has(&v, MS_CAT_COLLEAGUE))
            fail_msg("\"%s\" should not match caretaker {list:names.txt}", misses[i]);
    }
    ms_engine_free(le);
    ms_ruleset_free(lr);

    fixture_put(dir, "r.yaml", "rules:\n"
                            "  - id: colleague.missing\n"
                            "    category: colleague\n"
                            "    patterns: ['caretaker {list:nope.txt}']\n"
                            "  - id: colleague.prefix\n"
                            "    category: colleague\n"
                            "    patterns: ['caretaker {list:star.txt}']\n"
                            "  - id: colleague.unclosed\n"
                            "    category: colleague\n"
                            "    patterns: ['caretaker {list:names.txt']\n");
    fixture_put(dir, "star.txt", "dave\nsam*\n");
    ms_buf err;
    ms_buf_init(&err);
    opt.check_all = true;
    assert_null(ms_ruleset_load(dir, &opt, &err));
    ms_buf_terminate(&err);
    assert_non_null(strstr(err.data, "r.yaml:4: cannot read"));
    assert_non_null(strstr(err.data, "star.txt:2: entry 'sam*'"));
    assert_non_null(strstr(err.data, "r.yaml:10: pattern 'caretaker {list:names.txt'"));
    ms_buf_free(&err);
    remove_dir(dir);
}

/** @brief Whether label `c` of the last verdict has evidence [start, end). */
static bool has_span(ms_category c, uint32_t start, uint32_t end)
{
    const ms_label *l = &v.label[c];
    for (uint8_t i = 0; i < l->n_evidence; i++)
        if (l->evidence[i].start == start && l->evidence[i].end == end)
            return true;
    return false;
}

/* Three kinds of regular expression skip the start-of-match pass
 * (ruleset.c): a words-view alternation of plain words is loaded as list
 * entries, a regex whose matches all have one width starts at its end minus
 * that width, and a raw regex anchored by '^' starts at the text's start.
 * Their spans must still be exact bytes of the original text, and the words
 * must still be whole words. */
static void test_spans_without_start_of_match_pass(void **state)
{
    char dir[] = "/tmp/ms-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fixture_put(dir, "ruleset.yaml", "files: [r.yaml]\n");
    fixture_put(dir, "swear.txt", "dang\n"); /* a words database needs a literal */
    fixture_put(dir, "r.yaml", "rules:\n"
                            "  - id: profanity.t\n"
                            "    category: profanity\n"
                            "    list: swear.txt\n"
                            "  - id: colleague.alt\n"
                            "    category: colleague\n"
                            "    patterns: ['(?:hot water|Boiler)']\n"
                            "  - id: colleague.code\n"
                            "    category: colleague\n"
                            "    view: raw\n"
                            "    patterns: ['ref[0-9]{2}-(?:ab|cd)']\n"
                            "  - id: colleague.anchored\n"
                            "    category: colleague\n"
                            "    view: raw\n"
                            "    patterns: ['^[^a-z]*(?:hello|hi) team', '^zz|qq[a-z]+']\n");
    ms_ruleset *lr;
    ms_engine *le = dir_engine(dir, &lr);
    const struct {
        const char *text;
        uint32_t start, end; /* 0, 0: no colleague label */
    } cases[] = {
        {"no Hot Water since Monday", 3, 12},
        {"the b\xc3\xb3iler again", 4, 11}, /* an accent: 7 source bytes */
        {"the hot waters are lovely", 0, 0},
        {"boilers everywhere", 0, 0},
        {"quote:REF42-CD please", 6, 14},
        {"quote ref4-cd please", 0, 0},
        {"  Hi team, the lift", 2, 9}, /* from the text's start, blanks trimmed */
        {"oh hi team", 0, 0},
        {"see qqab here", 4, 8}, /* '^' in one alternative only: not anchored */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                        .text = {cases[i].text, strlen(cases[i].text)}};
        assert_true(ms_engine_classify(le, &m, &v));
        bool want = cases[i].end != 0;
        if (ms_verdict_has(&v, MS_CAT_COLLEAGUE) != want)
            fail_msg("\"%s\": colleague label expected %s", cases[i].text,
                     want ? "present" : "absent");
        if (want && !has_span(MS_CAT_COLLEAGUE, cases[i].start, cases[i].end))
            fail_msg("\"%s\": no evidence [%u, %u)", cases[i].text, cases[i].start,
                     cases[i].end);
    }
    ms_engine_free(le);
    ms_ruleset_free(lr);
    remove_dir(dir);
}

/* ms_ruleset_find: every rule by its id, ids met inside a longer header
 * value (not NUL-terminated), and near misses that must not match. */
static void test_rule_find_by_id(void **state)
{
    uint32_t n = ms_ruleset_rule_count(rs);
    assert_true(n > 1);
    for (uint32_t i = 0; i < n; i++) {
        const ms_rule *r = ms_ruleset_rule(rs, i);
        assert_ptr_equal(ms_ruleset_find(rs, r->id, strlen(r->id)), r);
        char list[256];
        int len = snprintf(list, sizeof list, "%s,zzz", r->id);
        assert_true(len > 0 && (size_t)len < sizeof list);
        assert_ptr_equal(ms_ruleset_find(rs, list, strlen(r->id)), r);
        /* a proper prefix names no rule unless it is one */
        size_t plen = strlen(r->id) - 1;
        const ms_rule *p = ms_ruleset_find(rs, r->id, plen);
        if (p)
            assert_int_equal(strlen(p->id), plen);
    }
    assert_null(ms_ruleset_find(rs, "profanity.strongx", 17));
    assert_null(ms_ruleset_find(rs, "profanity", 9));
    assert_null(ms_ruleset_find(rs, "", 0));
    assert_non_null(ms_ruleset_find(rs, "profanity.strong", 16));
}

/* The counter-cues of 2026-11-28 take back a label only where nothing else holds it: a repair
 * told as done, a polite "not urgent", a question to "anyone", a feared accident. Rule examples
 * check that each rule fires; these check the label the whole rule set then gives. */
static void test_counter_cues_leave_real_cases(void **state)
{
    (void)state;
    expect("Thanks for getting my window fixed so quick", MS_CAT_REPAIR, false);
    expect("The plumber fixed it last week but the boiler is leaking again", MS_CAT_REPAIR, true);
    expect("Thanks for sorting my boiler, but now the bathroom tap is dripping constantly",
           MS_CAT_REPAIR, true);
    expect("Not urgent but my boiler has been broken for three weeks and nobody has come",
           MS_CAT_COMPLAINT, true);
    expect("Does anyone know what time the Aldi in Bloxwich closes on a Sunday?", MS_CAT_QUESTION,
           false);
    expect("Does anyone know how to report a repair to whg?", MS_CAT_QUESTION, true);
    expect("Someone's gonna break their neck on those stairs", MS_CAT_DETRIMENTAL, false);
    expect("I will break his legs", MS_CAT_DETRIMENTAL, true);
    expect("I rang about my late husband's tenancy and the lady was so kind, thank you",
           MS_CAT_COMPLAINT, false);
}

/** @brief Copy `len` bytes so that they end exactly where a PROT_NONE page begins; returns the copy. */
static const char *at_end_of_mapping(char *map, size_t page, const char *text, size_t len)
{
    char *at = map + page - len;
    memcpy(at, text, len);
    return at;
}

/* Debian's Hyperscan 5.4.0 reads up to 32 bytes past the end of the buffer in its AVX512VBMI fat
 * teddy literal matcher (vectorscan issue #322). A text from Kafka or a line reader can end right
 * before an unmapped page; the fuzzer found exactly that. The texts here end at a guard page, at
 * every length up to 249 bytes, cut from three texts with literals, regexes, PII and a URL;
 * without the engine's padded copy this faults on a machine with AVX512VBMI (and passes
 * elsewhere: the bug is in one code path of the library). The author handle is scanned too, so
 * it sits at a guard page as well; each text is also tried starting right after a guard page. */
static void test_text_beside_unmapped_pages(void **state)
{
    (void)state;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map + page, page, PROT_NONE), 0);
    assert_int_equal(mprotect(map + 3 * page, page, PROT_NONE), 0);
    char *handle_map = map + 2 * page;
    static const char fuzzed[] =
        "y0u \xa3\xa3\xa3\xa3\xa3\xa3\xa3\xa3\xa3\xa3@r3 a`````` bunch of bunch of f*cking 1d10tr, "
        "sh1t aldlor\x01\x00\x00\x00\x00\x00\x00\x04ndlor\x01\x00\xe8\xe8n \xe8\xe8\xe8\xe8\xe8";
    const char *const samples[] = {
        "VAt hat pat sat fat rat mat ca",
        "Still waiting for someone to fix the boiler, third time I've called. No heating, "
        "black mould in the bathroom, ring me on 07700 900123 or mail jo@example.com WS1 1AA. "
        "Thanks for nothing, you useless bunch of idiots!!! http://bit.ly/x #whg @councillor",
    };
    for (size_t s = 0; s < 3; s++) {
        const char *sample = s == 0 ? fuzzed : samples[s - 1];
        size_t slen = s == 0 ? sizeof fuzzed - 1 : strlen(sample);
        for (size_t len = 1; len <= slen; len++) {
            const char *text = at_end_of_mapping(map, page, sample + slen - len, len);
            size_t hlen = len < 40 ? len : 40;
            const char *handle = at_end_of_mapping(handle_map, page, sample, hlen);
            ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                            .text = {text, len}, .created_at_ms = 1764000000000,
                            .author = {.handle = {handle, hlen}}};
            assert_true(ms_engine_classify(eng, &m, &v));
            /* and starting right after one: no read before the start either */
            memcpy(map + 2 * page, sample, len);
            m.text.ptr = map + 2 * page;
            assert_true(ms_engine_classify(eng, &m, &v));
        }
    }
    /* and the whole fuzzed text, which is a house-rules hit */
    ms_mention m = {.kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .text = {at_end_of_mapping(map, page, fuzzed, sizeof fuzzed - 1),
                             sizeof fuzzed - 1}};
    assert_true(ms_engine_classify(eng, &m, &v));
    assert_true(ms_verdict_has(&v, MS_CAT_PROFANITY));
    assert_int_equal(munmap(map, 4 * page), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_house_rules),
        cmocka_unit_test(test_insult_or_hate),
        cmocka_unit_test(test_hate_facets),
        cmocka_unit_test(test_evasion),
        cmocka_unit_test(test_scunthorpe),
        cmocka_unit_test(test_complaint_and_deadline),
        cmocka_unit_test(test_complaint_cues),
        cmocka_unit_test(test_complaint_grievance_and_fault),
        cmocka_unit_test(test_seller_advert),
        cmocka_unit_test(test_regex_listing),
        cmocka_unit_test(test_repair_beside_abuse),
        cmocka_unit_test(test_question_not_answerable),
        cmocka_unit_test(test_repairs),
        cmocka_unit_test(test_service_categories),
        cmocka_unit_test(test_everyday_posts_stay_clear),
        cmocka_unit_test(test_consent_safeguarding_urgent),
        cmocka_unit_test(test_individual_case),
        cmocka_unit_test(test_urgent_flag_needs_the_label),
        cmocka_unit_test(test_priority_public_first),
        cmocka_unit_test(test_policy_by_place),
        cmocka_unit_test(test_personal_information),
        cmocka_unit_test(test_phone_country_code),
        cmocka_unit_test(test_raw_detectors_stay_exact),
        cmocka_unit_test(test_evidence_spans_in_original),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_sentiment_rules),
        cmocka_unit_test(test_scan_limit_cuts_on_a_character),
        cmocka_unit_test(test_many_redactions_all_masked),
        cmocka_unit_test(test_weak_redactions_need_the_label),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_list_reference),
        cmocka_unit_test(test_spans_without_start_of_match_pass),
        cmocka_unit_test(test_batch_equals_one_at_a_time),
        cmocka_unit_test(test_rule_find_by_id),
        cmocka_unit_test(test_text_beside_unmapped_pages),
        cmocka_unit_test(test_counter_cues_leave_real_cases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
