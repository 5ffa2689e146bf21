/*
 * corpus.c - the deterministic synthetic firehose declared in corpus.h.
 *
 * Design
 *
 * A mention is made in four steps, all from one PRNG stream:
 *
 *   1. scenario  - a weighted draw from the mix (cumulative weights, one
 *                  bounded integer draw);
 *   2. text      - one of the scenario's templates is expanded into the
 *                  generator's text buffer. A template is plain UTF-8 with
 *                  slots in braces, "{fixture}", "{phone}", ... A slot is
 *                  either a word list (a random entry, itself expanded, so
 *                  list entries may hold slots too) or a generator (phone
 *                  numbers in Ofcom's drama ranges, WS postcodes, NI numbers
 *                  with valid prefixes, bit.ly codes, ...). Some scenarios get
 *                  an optional closer ("Sort it out.", an emoji, a name);
 *   3. length    - the text is padded with neutral filler sentences and/or
 *                  trimmed at a word boundary (never inside a UTF-8
 *                  sequence) to the bounds, or to a per-mention target drawn
 *                  uniformly from [mean/2, 3*mean/2] when mean_len is set;
 *   4. metadata  - platform, kind, author (a skewed draw from the pool;
 *                  VIP authors from a fixed table), ids "m-<seed>-<n>", a
 *                  strictly increasing created_at, post ids, reply parents
 *                  (from a ring of recent top-level comments), permalinks.
 *
 * Determinism: splitmix64 seeds xoshiro256**; bounded draws use rejection
 * (no floating point, no modulo bias), so a seed gives the same sequence
 * everywhere. The only mutable state is inside the ms_corpus object; all
 * tables are const.
 *
 * Memory: ms_corpus_new() makes one allocation holding the object and its
 * text buffer (max_len plus slack for expansion before trimming). Template
 * expansion writes through a bounded appender that stops at the buffer's end
 * on a character boundary, so ms_corpus_next() never allocates and never
 * overruns, whatever the options.
 *
 * Content: names, streets and numbers are fictional or reserved (07700 900xxx
 * and 0121 496 0xxx are Ofcom's drama ranges, e-mails use example.com). The
 * hate scenario holds a few real slurs on purpose: this is a test corpus for
 * a moderation filter, and it must see what the filter exists to catch.
 */
#include "core/corpus.h"

#include <stdlib.h>
#include <string.h>

#define MS_CORPUS_N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* Invisible or look-alike characters, spelled as bytes so the source shows them. */
#define ZWSP "\xE2\x80\x8B"  /* U+200B ZERO WIDTH SPACE */
#define CYR_A "\xD0\xB0"     /* U+0430 CYRILLIC SMALL LETTER A */
#define CYR_O "\xD0\xBE"     /* U+043E CYRILLIC SMALL LETTER O */

#define MS_CORPUS_T0_MS 1764000000000LL
#define MS_CORPUS_RING 32
#define MS_CORPUS_SLACK 2048
#define MS_CORPUS_MAX_DEPTH 4

/* ------------------------------------------------------------------------ */
/* Scenario table                                                            */

typedef struct ms_corpus_scen_info {
    const char *name;
    ms_category category;
    uint32_t weight; /* default mix, per mille-ish */
} ms_corpus_scen_info;

static const ms_corpus_scen_info ms_corpus_scen[MS_CORPUS_SCENARIO_COUNT] = {
    [MS_CORPUS_COMPLAINT] = {"complaint", MS_CAT_COMPLAINT, 110},
    [MS_CORPUS_REPAIR_EMERGENCY] = {"repair_emergency", MS_CAT_REPAIR, 25},
    [MS_CORPUS_REPAIR_URGENT] = {"repair_urgent", MS_CAT_REPAIR, 55},
    [MS_CORPUS_REPAIR_ROUTINE] = {"repair_routine", MS_CAT_REPAIR, 80},
    [MS_CORPUS_QUESTION] = {"question", MS_CAT_QUESTION, 120},
    [MS_CORPUS_POSITIVE] = {"positive", MS_CAT_POSITIVE, 80},
    [MS_CORPUS_SARCASM] = {"sarcasm", MS_CAT_NEGATIVE, 25},
    [MS_CORPUS_NEGATIVE] = {"negative", MS_CAT_NEGATIVE, 50},
    [MS_CORPUS_CONSENT_WITHDRAWAL] = {"consent_withdrawal", MS_CAT_CONSENT_WITHDRAWAL, 8},
    [MS_CORPUS_INDIVIDUAL_CASE] = {"individual_case", MS_CAT_INDIVIDUAL_CASE, 15},
    [MS_CORPUS_PERSONAL_INFO] = {"personal_info", MS_CAT_PERSONAL_INFO, 30},
    [MS_CORPUS_PROFANITY] = {"profanity", MS_CAT_PROFANITY, 35},
    [MS_CORPUS_PROFANITY_OBFUSCATED] = {"profanity_obfuscated", MS_CAT_PROFANITY, 15},
    [MS_CORPUS_HATE] = {"hate", MS_CAT_HATE, 4},
    [MS_CORPUS_RELIGION_POLITICS] = {"religion_politics", MS_CAT_RELIGION_POLITICS, 10},
    [MS_CORPUS_SEXUAL_GRAPHIC] = {"sexual_graphic", MS_CAT_SEXUAL_GRAPHIC, 8},
    [MS_CORPUS_MALICIOUS_LINK] = {"malicious_link", MS_CAT_MALICIOUS_LINK, 15},
    [MS_CORPUS_ADVERTISING] = {"advertising", MS_CAT_ADVERTISING, 25},
    [MS_CORPUS_MISINFORMATION] = {"misinformation", MS_CAT_MISINFORMATION, 12},
    [MS_CORPUS_THREAT] = {"threat", MS_CAT_DETRIMENTAL, 4},
    [MS_CORPUS_DEFAMATION] = {"defamation", MS_CAT_DETRIMENTAL, 10},
    [MS_CORPUS_COLLEAGUE] = {"colleague", MS_CAT_COLLEAGUE, 20},
    [MS_CORPUS_EXTERNAL] = {"external", MS_CAT_EXTERNAL, 40},
    [MS_CORPUS_VIP] = {"vip", MS_CAT_VIP, 12},
    [MS_CORPUS_NEUTRAL] = {"neutral", MS_CAT_OTHER, 130},
    [MS_CORPUS_INNOCENT] = {"innocent", MS_CAT_OTHER, 20},
    [MS_CORPUS_NON_ENGLISH] = {"non_english", MS_CAT_OTHER, 12},
};

/* ------------------------------------------------------------------------ */
/* Templates, one list per scenario                                          */

static const char *const ms_corpus_t_complaint[] = {
    "{hi}still waiting for someone to come and look at my {fixture}. Reported it {dur} ago and this is the third time I've called.{emo_neg}",
    "{hi}absolutely fed up. {dur} waiting for a callback about the {fixture} and nobody ever rings back{emo_neg}",
    "I want to make a formal complaint. Your contractor turned up {dur} late, left mess everywhere and the {fixture} still isn't fixed.",
    "{hi}been on hold for {mins} minutes again today. Every time I phone I get told someone will call me back and they never do.",
    "Disgusted with whg. The family next door in {area} have been reported for anti social behaviour {times} times and nothing has been done.",
    "{hi}why does it take {dur} to fix a {fixture}? Paying rent every week for a service that doesn't exist. I want to speak to a manager.",
    "Appointment booked for today, took the day off work, nobody turned up and nobody rang. Not good enough whg{emo_neg}",
    "{hi}complaint reference {ref} still not answered after {dur}. You said 10 working days.",
    "Mould all over the back bedroom wall again, reported it {times} times since {month} and all we get is a leaflet about opening windows{emo_neg}",
    "Third engineer in {dur} and the {fixture} is still broken. Nobody talks to each other at whg. Really unhappy with the service.",
};

static const char *const ms_corpus_t_emergency[] = {
    "{hi}there's a strong smell of gas in the kitchen at our flat in {area}, what do I do??{emo_neg}",
    "URGENT water pouring through the ceiling into the light fitting, {street} {area}. Can someone come out now please",
    "Pipe has burst under the sink and the kitchen is flooded. Been ringing the emergency line for {mins} minutes",
    "Exposed wires hanging out of the wall in the hallway after the electrician left, kids in the house, please send someone tonight",
    "CO alarm going off in the front room, we've opened all the windows. Who do I call out of hours?",
    "Sparks coming out of the socket in the bedroom and the electrics keep tripping. Is this an emergency?",
    "Part of the bathroom ceiling has collapsed, water still coming through. {street}, {area}. Please help",
    "Sewage coming up through the bath and the downstairs toilet, the smell is unbearable and there's a baby in the house",
};

static const char *const ms_corpus_t_urgent[] = {
    "{hi}no heating or hot water since {day} with a {age} month old baby. Boiler is showing an error code",
    "Boiler not working again, {dur} without hot water now. Can I get an engineer out this week?",
    "Our only toilet is blocked and won't flush. {area}. Please help",
    "Back door lock has snapped and the door won't lock, can someone come out today?",
    "Water leaking through the bathroom ceiling every time the upstairs neighbour has a shower",
    "Heating not working in the whole flat, radiators stone cold. It's freezing in here{emo_neg}",
    "Window won't shut in the kids' bedroom, the handle came off in my hand. Can't leave it open overnight",
    "Front door won't lock since the storm, the frame has swollen. We're on {street}",
};

static const char *const ms_corpus_t_routine[] = {
    "{hi}how do I report a dripping {tap}? Not urgent, just annoying",
    "Fence panel blown down in the wind at the back of {street}, when can someone replace it?",
    "Kitchen cupboard door has come off its hinge, can I book a repair online?",
    "Guttering at the front is hanging off and dripping onto the path",
    "Bathroom extractor fan stopped working, getting condensation on the window every morning",
    "There's a crack in the plaster in the front bedroom, not urgent but would like someone to look at it",
    "Loose floor tile in the kitchen, could someone pop round when they're next in {area}?",
    "The {fixture} has been playing up for a while. Can I get it on the list for a repair?",
};

static const char *const ms_corpus_t_question[] = {
    "What time does the office on {street} open on Saturdays?",
    "{hi}how do I apply for a transfer to a bigger property? We've got {kids} kids in a two bed",
    "Is there a number I can ring to pay my rent over the phone?",
    "Does anyone know if whg are doing the community fun day in {area} again this year?",
    "When does the new rent amount start from? Haven't had a letter yet",
    "Can I get a parking permit for the flats on {street}?",
    "{hi}are you hiring at the moment? Saw something about apprenticeships",
    "Is the {area} community hub open over the bank holiday?",
    "How long is the waiting list for a bungalow in {area}?",
    "Do I need permission to put a shed up in the back garden?",
    "Where do I send my housing benefit letter? Can I drop it in at the office?",
};

static const char *const ms_corpus_t_positive[] = {
    "Massive thank you to the repairs team who came out to fix our {fixture} today, really friendly and tidy{emo_pos}",
    "Just want to say the new kitchen is amazing, thank you whg{emo_pos}",
    "Great to see the community garden in {area} finally open. Well done everyone involved{emo_pos}",
    "Brilliant service today, engineer was in and out in an hour and explained everything. Thank you",
    "Thanks for sorting the {fixture} so quickly, really appreciate it{emo_pos}",
    "Lovely event at the {area} hub yesterday, the kids had a fantastic time{emo_pos}",
    "The new homes on {street} look fantastic, proud to live in {area}{emo_pos}",
};

static const char *const ms_corpus_t_sarcasm[] = {
    "Thanks for nothing whg. {dur} and still no {fixture}{emo_laugh}",
    "Oh great, another 'sorry for the delay' message. Really helpful{emo_laugh}",
    "Well done whg, only took you {dur} to not fix the {fixture}. Great service not",
    "Love how you post about fun days while my {fixture} has been broken for {dur}{emo_laugh}",
    "Brilliant, the engineer came, looked at the boiler and left. Thanks for wasting my day off",
    "Yeah cheers for ringing me back... oh wait, you didn't{emo_laugh}",
};

static const char *const ms_corpus_t_negative[] = {
    "Worst landlord in Walsall, honestly",
    "whg have really gone downhill over the last few years",
    "Not impressed with the new houses in {area}, they look cheap and nasty",
    "Shame the money went on a rebrand instead of fixing people's homes",
    "I wouldn't recommend whg to anyone{emo_neg}",
    "Another pointless survey. Nobody at whg listens to tenants anyway",
    "Can't say I'm surprised, it's always the same with this lot{emo_neg}",
};

static const char *const ms_corpus_t_consent[] = {
    "Please take down the photo of my kids from the fun day post, I didn't give permission for it to be shared",
    "I withdraw my consent for the video you posted from the {area} event. Please remove it",
    "That's me in the picture and I never consented to being on your page, can you delete it please",
    "Can you remove the photo of my mom's house from this post? She doesn't want it online",
    "I signed the consent form at the open day but I've changed my mind, please take my photo down",
};

static const char *const ms_corpus_t_case[] = {
    "{hi}the flat above me have loud music on till 3am every night, I can't sleep",
    "I'm behind on my rent since my hours got cut and I've had a letter about court, please help",
    "Me and my kids are sharing one bedroom in {area}, we need to move, can someone ring me",
    "Got an eviction notice today and I don't know what to do{emo_neg}",
    "The people next door are dealing drugs from the flat and threatening me when I go out",
    "Who deals with antisocial behaviour in {area}? Youths smashing bottles outside every night",
};

static const char *const ms_corpus_t_personal[] = {
    "{hi}still no one has called me. My number is {phone}, please ring me today",
    "Can someone email me at {email}? Tenancy at {addr}, {postcode}",
    "My NI number is {ni} if you need it for the housing benefit form",
    "I live at {addr}, {area} {postcode}, can the engineer come this week? Mobile {phone}",
    "Rent goes out from sort code {sortcode} account {account}, can you check it went through?",
    "Ring me on {phone} or email {email} about the transfer please",
    "{hi}my address is {addr}, {postcode}. National insurance {ni}. Need the form sent out again",
};

static const char *const ms_corpus_t_profanity[] = {
    "This is {swear_adj} ridiculous, {dur} waiting for a {fixture}",
    "What a load of {swear_noun}. Sort it out",
    "Absolute {swear_ins} the lot of you",
    "Can't believe this {swear_adj} boiler has gone again, {swear_adj} freezing in here",
    "Bloody hell whg, pull your finger out. {dur} for a {fixture} is {swear_noun}",
    "You lot are {swear_ins}{emo_neg}",
};

static const char *const ms_corpus_t_obfuscated[] = {
    "This is {oswear_adj} ridiculous, {dur} waiting for a {fixture}",
    "What a load of {oswear_noun}. Sort it out",
    "Absolute {oswear_ins} the lot of you",
    "{oswear_adj} joke this is, the {fixture} has gone again{emo_neg}",
    "Pull your finger out whg, {dur} for a {fixture} is {oswear_noun}",
    "You lot are {oswear_ins}",
};

static const char *const ms_corpus_t_hate[] = {
    "Only give houses to {hate_grp} these days, go back where you came from",
    "Filling {area} with {slur} and wonder why it's gone downhill",
    "Keep the {slur} off our estate",
    "A woman running repairs, no wonder nothing gets done. Get back in the kitchen",
    "{slur} like that shouldn't be allowed near kids",
    "All muslims are terrorists, why are whg giving them houses on {street}",
};

static const char *const ms_corpus_t_religion[] = {
    "This is what you get after 14 years of tory scum running the country",
    "Labour out. The council don't care about {area} and never have",
    "Jesus is the only way. Repent before it's too late, the end is coming",
    "Illegals getting houses before locals. Vote Reform",
    "Stop the boats and maybe there'd be houses for people from Walsall",
    "British homes for British people, simple as",
};

static const char *const ms_corpus_t_sexual[] = {
    "Hot singles in {area} want to meet you tonight 🔥 {sexurl}",
    "Check my profile for nudes 😘 link in bio",
    "Free OnlyFans leaks of local girls here {sexurl}",
    "18+ only, xxx porn videos {sexurl}",
    "Send nudes babe 😘 add me on snap",
};

static const char *const ms_corpus_t_malicious[] = {
    "Your page has been flagged for copyright infringement. Appeal here: {badurl} or it will be disabled in 24 hours",
    "All whg tenants are owed a rent refund! Claim yours here {badurl}",
    "Meta Business Support: unusual activity on your account. Verify your identity at {badurl}",
    "lol is this you in this video?? {badurl}",
    "Free £100 Tesco voucher for every tenant this month {badurl}",
    "whg rent portal has moved, log in here to update your payment details {badurl}",
};

static const char *const ms_corpus_t_advertising[] = {
    "DM me for cheap driveway and patio quotes, covering all of Walsall{emo_pos}",
    "Earn £{money} a day working from home, message me on WhatsApp",
    "I invested with an expert trader and made profit of £{money} in a week. Contact her on WhatsApp",
    "Carpets fitted from £{money}, free quotes, covering {area} and all WS postcodes",
    "Need a handyman in {area}? Check out my page, 10% off this week",
    "Join my team! Be your own boss with passive income. Inbox me for details",
};

static const char *const ms_corpus_t_misinfo[] = {
    "Share before they delete this: whg are putting 5G masts on the tower blocks in {area} to spy on tenants",
    "Heard whg are selling every house in {area} to a private landlord next month and everyone's getting evicted. Share!!",
    "They are putting chemicals in the water in the new flats, my cousin works for them. Wake up",
    "FACT: whg are doubling rents in April, it's been confirmed. Read it here {lowcred}",
    "Covid was a hoax and the new smart meters are part of the same agenda. Do your research",
};

static const char *const ms_corpus_t_threat[] = {
    "I know where you live. Watch your back",
    "If someone doesn't fix this I'm going to come down the office and smash the place up",
    "Next time your contractor comes round he'll be going home in an ambulance",
    "You'll regret this. I know where your office is",
    "Keep ignoring me and see what happens. Wait till I see you",
};

static const char *const ms_corpus_t_defamation[] = {
    "whg are stealing our rent money and lining their own pockets while we live in damp",
    "Everyone knows the repairs manager is on the take, backhanders from the contractors",
    "Bunch of crooks, fiddling the books at whg and the council are in on it",
    "whg knowingly left tenants in houses with asbestos and covered it up",
    "The housing officers are taking bribes to move people up the list, fact",
};

static const char *const ms_corpus_t_colleague[] = {
    "{staff} came out today and was brilliant, please pass on my thanks",
    "{staff} from the housing team is useless, never returns my calls",
    "Ask {staff}, she knows all about it, her husband works in repairs too",
    "Is {staff} still my housing officer? I was told I'd get a call back last week",
    "Not being funny but {staff} was really rude to my mum on the phone",
    "{staff} sorted my transfer in two weeks, an absolute star{emo_pos}",
};

static const char *const ms_corpus_t_external[] = {
    "Anyone else with whg having issues getting repairs done? Been waiting {dur}",
    "whg have finally started on the new houses on {street}, about time",
    "Does anyone know if whg are taking on staff? My son's looking for work",
    "Saw the whg van outside the flats in {area} again, must be the fourth time this month",
    "Walsall Housing Group used to be so much better when it was the council",
    "Thinking of swapping my flat, anyone done a mutual exchange with whg?",
};

static const char *const ms_corpus_t_vip[] = {
    "We're aware of residents' concerns about damp in the flats on {street}, {area}. I've raised this with whg and expect an update this week",
    "Press enquiry: we're running a story about repair waiting times. Could whg's press office contact our newsdesk today?",
    "Great to join whg and partners at the opening of the new homes in {area} today",
    "Several residents in {area} have contacted me about heating failures. whg, can we meet to discuss?",
    "Road closure on {street} tomorrow while whg contractors work on the roof. Please plan ahead",
};

static const char *const ms_corpus_t_neutral[] = {
    "Anyone going to the fun day in {area} on Saturday?",
    "Lovely weather for it today",
    "Tagging my sister in this, she was on about it yesterday{emo_laugh}",
    "That's near my nan's house",
    "Is that the old pub on {street}? Used to drink there years ago",
    "Saw this on my feed, interesting",
    "Good luck to all the runners this weekend{emo_pos}",
    "{first} {surname} look at this",
    "Same again next year then",
    "Wow{emo_laugh}",
};

static const char *const ms_corpus_t_innocent[] = {
    "My brother's just moved from Scunthorpe to {area}, anyone know a good removals firm?",
    "Great to see the cocktail evening at the {area} hub raised £{money} for charity",
    "We're reading Dickens in my class this term, the kids love it",
    "Just back from visiting family in Penistone, nice to be home in Walsall",
    "Booked onto the cookery class at the hub, they assess your skills first but it's all very relaxed",
    "Arsenal fan living in {area}, it's been a long season{emo_laugh}",
    "The assistant at the Essex office was lovely on the phone, sorted in minutes",
};

static const char *const ms_corpus_t_non_english[] = {
    "Dzień dobry, od {n2} tygodni nie mam ciepłej wody w mieszkaniu na {street}. Proszę o pomoc.",
    "Bună ziua, am o problemă cu încălzirea de două săptămâni. Vă rog să mă sunați.",
    "ਸਤ ਸ੍ਰੀ ਅਕਾਲ, ਮੇਰੇ ਘਰ ਵਿੱਚ ਹੀਟਿੰਗ ਕੰਮ ਨਹੀਂ ਕਰ ਰਹੀ। ਕਿਰਪਾ ਕਰਕੇ ਮਦਦ ਕਰੋ।",
    "السلام علیکم، میرے گھر میں دو ہفتوں سے گرم پانی نہیں ہے۔ براہ کرم مدد کریں۔",
};

/* language of each non-English template, same order */
static const char *const ms_corpus_lang_non_english[] = {"pl", "ro", "pa", "ur"};

typedef struct ms_corpus_tpl_list {
    const char *const *t;
    uint32_t n;
} ms_corpus_tpl_list;

#define MS_CORPUS_TPL(a) {a, MS_CORPUS_N(a)}
static const ms_corpus_tpl_list ms_corpus_tpl[MS_CORPUS_SCENARIO_COUNT] = {
    [MS_CORPUS_COMPLAINT] = MS_CORPUS_TPL(ms_corpus_t_complaint),
    [MS_CORPUS_REPAIR_EMERGENCY] = MS_CORPUS_TPL(ms_corpus_t_emergency),
    [MS_CORPUS_REPAIR_URGENT] = MS_CORPUS_TPL(ms_corpus_t_urgent),
    [MS_CORPUS_REPAIR_ROUTINE] = MS_CORPUS_TPL(ms_corpus_t_routine),
    [MS_CORPUS_QUESTION] = MS_CORPUS_TPL(ms_corpus_t_question),
    [MS_CORPUS_POSITIVE] = MS_CORPUS_TPL(ms_corpus_t_positive),
    [MS_CORPUS_SARCASM] = MS_CORPUS_TPL(ms_corpus_t_sarcasm),
    [MS_CORPUS_NEGATIVE] = MS_CORPUS_TPL(ms_corpus_t_negative),
    [MS_CORPUS_CONSENT_WITHDRAWAL] = MS_CORPUS_TPL(ms_corpus_t_consent),
    [MS_CORPUS_INDIVIDUAL_CASE] = MS_CORPUS_TPL(ms_corpus_t_case),
    [MS_CORPUS_PERSONAL_INFO] = MS_CORPUS_TPL(ms_corpus_t_personal),
    [MS_CORPUS_PROFANITY] = MS_CORPUS_TPL(ms_corpus_t_profanity),
    [MS_CORPUS_PROFANITY_OBFUSCATED] = MS_CORPUS_TPL(ms_corpus_t_obfuscated),
    [MS_CORPUS_HATE] = MS_CORPUS_TPL(ms_corpus_t_hate),
    [MS_CORPUS_RELIGION_POLITICS] = MS_CORPUS_TPL(ms_corpus_t_religion),
    [MS_CORPUS_SEXUAL_GRAPHIC] = MS_CORPUS_TPL(ms_corpus_t_sexual),
    [MS_CORPUS_MALICIOUS_LINK] = MS_CORPUS_TPL(ms_corpus_t_malicious),
    [MS_CORPUS_ADVERTISING] = MS_CORPUS_TPL(ms_corpus_t_advertising),
    [MS_CORPUS_MISINFORMATION] = MS_CORPUS_TPL(ms_corpus_t_misinfo),
    [MS_CORPUS_THREAT] = MS_CORPUS_TPL(ms_corpus_t_threat),
    [MS_CORPUS_DEFAMATION] = MS_CORPUS_TPL(ms_corpus_t_defamation),
    [MS_CORPUS_COLLEAGUE] = MS_CORPUS_TPL(ms_corpus_t_colleague),
    [MS_CORPUS_EXTERNAL] = MS_CORPUS_TPL(ms_corpus_t_external),
    [MS_CORPUS_VIP] = MS_CORPUS_TPL(ms_corpus_t_vip),
    [MS_CORPUS_NEUTRAL] = MS_CORPUS_TPL(ms_corpus_t_neutral),
    [MS_CORPUS_INNOCENT] = MS_CORPUS_TPL(ms_corpus_t_innocent),
    [MS_CORPUS_NON_ENGLISH] = MS_CORPUS_TPL(ms_corpus_t_non_english),
};

/* ------------------------------------------------------------------------ */
/* Slot fillers                                                              */

static const char *const ms_corpus_w_hi[] = {
    "", "", "", "", "Hi, ", "Hello whg, ", "@whg ", "Hiya, ", "Morning, ", "whg - ",
};
static const char *const ms_corpus_w_area[] = {
    "Blakenall", "Bloxwich", "Leamore", "Beechdale", "Caldmore", "Palfrey", "Pleck",
    "Alumwell", "Birchills", "Goscote", "Harden", "Coalpool", "Rushall", "Shelfield",
    "Pelsall", "Brownhills", "Aldridge", "Willenhall", "Darlaston", "Moxley",
    "Chuckery", "the Delves", "Lower Farm", "Mossley", "Dudley Fields", "Ryecroft",
};
static const char *const ms_corpus_w_street[] = {
    "Park Road", "Green Lane", "Bloxwich Road", "Lichfield Street", "Stafford Street",
    "Wednesbury Road", "Sutton Road", "Pelsall Lane", "Coalpool Lane", "Church Street",
    "Station Road", "Birchills Street", "Proffitt Street", "Blakenall Lane",
    "Harden Road", "Leamore Lane", "Chapel Street", "Victoria Road", "Mill Lane",
    "Stroud Avenue",
};
static const char *const ms_corpus_w_fixture[] = {
    "boiler", "radiator", "kitchen tap", "bathroom tap", "back door", "front door lock",
    "fence", "guttering", "bedroom window", "extractor fan", "shower", "toilet cistern",
    "kitchen cupboard door", "loft hatch", "smoke alarm", "bath panel", "stair rail",
    "kitchen sink", "damp in the bathroom", "leaking roof",
};
static const char *const ms_corpus_w_tap[] = {
    "kitchen tap", "bathroom tap", "tap in the bath", "outside tap",
};
static const char *const ms_corpus_w_dur[] = {
    "{n2} weeks", "{n2} days", "{n2} months", "three weeks", "two months", "a fortnight",
    "over a month", "six weeks", "nearly a year", "ten days",
};
static const char *const ms_corpus_w_month[] = {
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
};
static const char *const ms_corpus_w_day[] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "yesterday", "last night", "the weekend",
};
static const char *const ms_corpus_w_emo_neg[] = {
    "", "", "", " 😡", " :(", " 😡😡", " 🤬", " 😤", " :-(",
};
static const char *const ms_corpus_w_emo_pos[] = {
    "", "", " 👍", " 🙏", " ❤️", " :)", " 😊", " 👍👍", " :-)", " 🙏❤️",
};
static const char *const ms_corpus_w_emo_laugh[] = {
    "", "", " 😂", " 😂😂", " 🙄", " lol", " :)",
};
static const char *const ms_corpus_w_staff[] = {
    "Sandra Whitfield", "Darren Pugh", "Karen Oakley", "Lee Bissell", "Michelle Hadley",
    "Gary Tonks", "Jas Bains", "Dawn Mellor", "Priya Chauhan", "Wayne Hickman",
    "Lorraine Fellows", "Kelly Baggott", "Mohammed Rafiq", "Stacey Hollis",
};
static const char *const ms_corpus_w_first[] = {
    "Sophie", "Jack", "Amelia", "Harry", "Olivia", "Charlie", "Emily", "Tom", "Jade",
    "Liam", "Chloe", "Ryan", "Gurpreet", "Aisha", "Kuldeep", "Zainab", "Marek", "Ioana",
    "Dean", "Leanne", "Shaun", "Kerry", "Bev", "Trev", "Mandy", "Stuart", "Natalie",
    "Imran", "Hayley", "Connor", "Paula", "Graham",
};
static const char *const ms_corpus_w_surname[] = {
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas",
    "Roberts", "Walker", "Wright", "Hughes", "Green", "Hall", "Ahmed", "Singh", "Kaur",
    "Hussain", "Khan", "Kowalski", "Popescu", "Cartwright", "Beech", "Perks", "Tranter",
    "Bagley", "Dunn", "Aston", "Moseley", "Hickman",
};
static const char *const ms_corpus_w_swear_adj[] = {
    "fucking", "bloody", "fuckin", "piss poor", "shit", "bastard",
};
static const char *const ms_corpus_w_swear_noun[] = {
    "shit", "bollocks", "crap", "bullshit", "shite",
};
static const char *const ms_corpus_w_swear_ins[] = {
    "wankers", "twats", "dickheads", "useless shits", "bastards", "arseholes",
};
static const char *const ms_corpus_w_oswear_adj[] = {
    "f u c k i n g", "fuuuuucking", "fu" ZWSP "cking", "f.u.c.k.i.n.g", "sh1t", "$hit",
    "fcking",
};
static const char *const ms_corpus_w_oswear_noun[] = {
    "sh1t", "$hit", "sh" ZWSP "it", "s h i t", "b0llocks", "b" CYR_O "llocks", "bull$hit",
    "shiiiiit",
};
static const char *const ms_corpus_w_oswear_ins[] = {
    "b" CYR_A "stards", "w" CYR_A "nkers", "tw@ts", "d1ckheads", "f u c k e r s",
    "wa" ZWSP "nkers", "a$$holes",
};
static const char *const ms_corpus_w_slur[] = {
    "pakis", "poofs", "wogs", "retards", "pikeys",
};
static const char *const ms_corpus_w_hate_grp[] = {
    "immigrants", "foreigners", "asylum seekers", "muzzies",
};
static const char *const ms_corpus_w_badurl[] = {
    "https://bit.ly/{code}", "http://bit.ly/{code}", "https://grabify.link/{code}",
    "http://whg-rent-refund.com/claim", "https://whg-tenant-portal.co/login",
    "http://meta-business-support.help/appeal", "https://tinyurl.com/{code}",
    "freegiftcards.co/tesco", "http://whg-uk.info/verify?id={code}",
};
static const char *const ms_corpus_w_sexurl[] = {
    "https://bit.ly/{code}", "hotdates-walsall.xyz/join", "https://lovebird.guru/{code}",
    "http://localgirls.live/{code}",
};
static const char *const ms_corpus_w_lowcred[] = {
    "https://theexpose.uk/2025/whg-rents", "https://beforeitsnews.com/uk/whg",
    "https://bit.ly/{code}",
};
static const char *const ms_corpus_w_closer[] = {
    "Sort it out.", "Cheers", "- {first}", "x", "Regards, {first}", "😡", "Still waiting.",
    "Not happy.", "{first}", "Ridiculous.",
};
static const char *const ms_corpus_w_aside[] = {
    "We're in {area}.", "Been a tenant {n2} years.", "I'm on {street}.",
    "Posted this on {day} as well.", "My neighbour {first} agrees.", "#Walsall", "#{area}",
    "Flat in {area}.", "Mum of {kids}.", "Tenant since {month}.", "Cc {first} {surname}",
    "Been with whg {n2} years.",
};
static const char *const ms_corpus_w_filler[] = {
    "Just saying.", "Anyway.", "Hope everyone is keeping well.", "Have a good day all.",
    "Not sure what else to say really.", "Posting here as well in case it helps.",
    "It is what it is.", "Will see what happens.", "Been a long week.",
    "The weather has been grim again.", "Off to work now.", "Kids are back at school on Monday.",
    "Had to write this down before I forget.", "My mum said to post it on here.",
};

/* VIP authors: handles on rules/lists/vip-handles.txt */
typedef struct ms_corpus_vip_author {
    const char *handle, *display_name;
} ms_corpus_vip_author;

static const ms_corpus_vip_author ms_corpus_vip[] = {
    {"@cllr_janemorris", "Cllr Jane Morris"},
    {"@cllr_raj_kapoor", "Cllr Raj Kapoor"},
    {"@cllr_tombrennan", "Cllr Tom Brennan"},
    {"@expressandstar", "Express & Star"},
    {"@walsallcouncil", "Walsall Council"},
    {"@bbcwm", "BBC WM"},
    {"@insidehousing", "Inside Housing"},
    {"@wmpwalsall", "WMP Walsall"},
    {"@walsalladvertiser", "Walsall Advertiser"},
};

/* external pages (not owned by whg), for external_mention permalinks */
static const char *const ms_corpus_ext_pages[] = {
    "groups/walsallmatters", "groups/bloxwichcommunity", "groups/willenhallnews",
    "groups/brownhillsbob", "walsallresidents",
};

/* Valid NI prefixes (HMRC rules: no D F I Q U V first, no D F I O Q U V
 * second, none of BG GB KN NK NT TN ZZ). */
static const char *const ms_corpus_ni_prefix[] = {
    "AB", "CE", "EH", "JK", "LP", "MA", "NW", "PR", "SH", "TW", "WL", "YZ", "JE", "HR",
};

/* Generators (slots whose fillers are computed, not listed). */
typedef enum ms_corpus_gen {
    MS_CORPUS_G_LIST = 0,
    MS_CORPUS_G_PHONE,
    MS_CORPUS_G_EMAIL,
    MS_CORPUS_G_POSTCODE,
    MS_CORPUS_G_ADDR,
    MS_CORPUS_G_NI,
    MS_CORPUS_G_SORTCODE,
    MS_CORPUS_G_ACCOUNT,
    MS_CORPUS_G_N2,
    MS_CORPUS_G_MINS,
    MS_CORPUS_G_TIMES,
    MS_CORPUS_G_KIDS,
    MS_CORPUS_G_AGE,
    MS_CORPUS_G_MONEY,
    MS_CORPUS_G_REF,
    MS_CORPUS_G_CODE,
} ms_corpus_gen;

typedef struct ms_corpus_slot {
    const char *name;
    ms_corpus_gen gen;
    const char *const *v;
    uint32_t n;
} ms_corpus_slot;

#define MS_CORPUS_LIST(nm, a) {nm, MS_CORPUS_G_LIST, a, MS_CORPUS_N(a)}
#define MS_CORPUS_GEN(nm, g) {nm, g, NULL, 0}
static const ms_corpus_slot ms_corpus_slots[] = {
    MS_CORPUS_LIST("hi", ms_corpus_w_hi),
    MS_CORPUS_LIST("area", ms_corpus_w_area),
    MS_CORPUS_LIST("street", ms_corpus_w_street),
    MS_CORPUS_LIST("fixture", ms_corpus_w_fixture),
    MS_CORPUS_LIST("tap", ms_corpus_w_tap),
    MS_CORPUS_LIST("dur", ms_corpus_w_dur),
    MS_CORPUS_LIST("month", ms_corpus_w_month),
    MS_CORPUS_LIST("day", ms_corpus_w_day),
    MS_CORPUS_LIST("emo_neg", ms_corpus_w_emo_neg),
    MS_CORPUS_LIST("emo_pos", ms_corpus_w_emo_pos),
    MS_CORPUS_LIST("emo_laugh", ms_corpus_w_emo_laugh),
    MS_CORPUS_LIST("staff", ms_corpus_w_staff),
    MS_CORPUS_LIST("first", ms_corpus_w_first),
    MS_CORPUS_LIST("surname", ms_corpus_w_surname),
    MS_CORPUS_LIST("swear_adj", ms_corpus_w_swear_adj),
    MS_CORPUS_LIST("swear_noun", ms_corpus_w_swear_noun),
    MS_CORPUS_LIST("swear_ins", ms_corpus_w_swear_ins),
    MS_CORPUS_LIST("oswear_adj", ms_corpus_w_oswear_adj),
    MS_CORPUS_LIST("oswear_noun", ms_corpus_w_oswear_noun),
    MS_CORPUS_LIST("oswear_ins", ms_corpus_w_oswear_ins),
    MS_CORPUS_LIST("slur", ms_corpus_w_slur),
    MS_CORPUS_LIST("hate_grp", ms_corpus_w_hate_grp),
    MS_CORPUS_LIST("badurl", ms_corpus_w_badurl),
    MS_CORPUS_LIST("sexurl", ms_corpus_w_sexurl),
    MS_CORPUS_LIST("lowcred", ms_corpus_w_lowcred),
    MS_CORPUS_LIST("closer", ms_corpus_w_closer),
    MS_CORPUS_LIST("aside", ms_corpus_w_aside),
    MS_CORPUS_GEN("phone", MS_CORPUS_G_PHONE),
    MS_CORPUS_GEN("email", MS_CORPUS_G_EMAIL),
    MS_CORPUS_GEN("postcode", MS_CORPUS_G_POSTCODE),
    MS_CORPUS_GEN("addr", MS_CORPUS_G_ADDR),
    MS_CORPUS_GEN("ni", MS_CORPUS_G_NI),
    MS_CORPUS_GEN("sortcode", MS_CORPUS_G_SORTCODE),
    MS_CORPUS_GEN("account", MS_CORPUS_G_ACCOUNT),
    MS_CORPUS_GEN("n2", MS_CORPUS_G_N2),
    MS_CORPUS_GEN("mins", MS_CORPUS_G_MINS),
    MS_CORPUS_GEN("times", MS_CORPUS_G_TIMES),
    MS_CORPUS_GEN("kids", MS_CORPUS_G_KIDS),
    MS_CORPUS_GEN("age", MS_CORPUS_G_AGE),
    MS_CORPUS_GEN("money", MS_CORPUS_G_MONEY),
    MS_CORPUS_GEN("ref", MS_CORPUS_G_REF),
    MS_CORPUS_GEN("code", MS_CORPUS_G_CODE),
};

/* ------------------------------------------------------------------------ */
/* The generator                                                             */

typedef struct ms_corpus_ring_entry {
    uint64_t n;      /* mention number */
    uint64_t post;   /* its post number */
} ms_corpus_ring_entry;

struct ms_corpus {
    uint64_t s[4];           /* xoshiro256** state */
    uint64_t seed;
    uint64_t n;              /* mentions generated so far */
    int64_t now_ms;
    uint64_t post_cur;       /* newest post number */
    uint32_t min_len, max_len, mean_len, authors;
    uint32_t cum[MS_CORPUS_SCENARIO_COUNT]; /* cumulative mix weights */
    uint32_t total;
    ms_corpus_scenario_id last;
    ms_corpus_ring_entry ring[MS_CORPUS_RING];
    uint32_t ring_len, ring_pos;
    size_t len, cap;         /* text length and buffer capacity */
    char id[48], parent[48], post[48], permalink[192];
    char author_id[32], handle[64], display[96];
    char *text;              /* cap bytes, after the struct */
};

/** @brief splitmix64 step: advances *x and returns the next output. */
static uint64_t ms_corpus_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/** @brief Rotate left. */
static inline uint64_t ms_corpus_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/** @brief xoshiro256** next output. */
static uint64_t ms_corpus_rand(ms_corpus *c)
{
    uint64_t *s = c->s;
    uint64_t r = ms_corpus_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ms_corpus_rotl(s[3], 45);
    return r;
}

/** @brief Uniform integer in [0, bound) without modulo bias; 0 when bound is 0. */
static uint64_t ms_corpus_below(ms_corpus *c, uint64_t bound)
{
    if (bound <= 1)
        return 0;
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = ms_corpus_rand(c);
        if (r >= threshold)
            return r % bound;
    }
}

/** @brief Uniform integer in [lo, hi]. */
static uint64_t ms_corpus_range(ms_corpus *c, uint64_t lo, uint64_t hi)
{
    return lo + ms_corpus_below(c, hi - lo + 1);
}

/** @brief True with probability num/den. */
static bool ms_corpus_chance(ms_corpus *c, uint32_t num, uint32_t den)
{
    return ms_corpus_below(c, den) < num;
}

/** @brief Append bytes to the text, stopping at the buffer's end on a character boundary. */
static void ms_corpus_put(ms_corpus *c, const char *s, size_t n)
{
    if (c->len + n > c->cap) {
        /* s[room] is inside s: room < n here (said twice for the compiler) */
        size_t room = c->cap - c->len;
        while (room > 0 && room < n && ((unsigned char)s[room] & 0xC0) == 0x80)
            room--;
        n = room;
    }
    memcpy(c->text + c->len, s, n);
    c->len += n;
}

/** @brief Append a NUL-terminated string to the text. */
static void ms_corpus_puts(ms_corpus *c, const char *s)
{
    ms_corpus_put(c, s, strlen(s));
}

/** @brief Append an unsigned integer, zero-padded to `width` digits. */
static void ms_corpus_putu(ms_corpus *c, uint64_t v, int width)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i < width && i < (int)sizeof tmp)
        tmp[i++] = '0';
    char out[24];
    for (int k = 0; k < i; k++)
        out[k] = tmp[i - 1 - k];
    ms_corpus_put(c, out, (size_t)i);
}

/** @brief Append `k` random digits. */
static void ms_corpus_digits(ms_corpus *c, int k)
{
    for (int i = 0; i < k; i++) {
        char d = (char)('0' + ms_corpus_below(c, 10));
        ms_corpus_put(c, &d, 1);
    }
}

/** @brief Append a string lower-cased (ASCII). */
static void ms_corpus_put_lower(ms_corpus *c, const char *s)
{
    for (; *s; s++) {
        char ch = (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32) : *s;
        ms_corpus_put(c, &ch, 1);
    }
}

/** @brief A random entry of a word list. */
static const char *ms_corpus_pick(ms_corpus *c, const char *const *v, uint32_t n)
{
    return v[ms_corpus_below(c, n)];
}

static void ms_corpus_expand(ms_corpus *c, const char *t, int depth);

/** @brief Fill one computed slot. */
static void ms_corpus_generate(ms_corpus *c, ms_corpus_gen g)
{
    static const char letters[] = "ABDEFGHJLNPQRSTUWXYZ"; /* postcode inward letters */
    static const char alnum[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    switch (g) {
    case MS_CORPUS_G_PHONE:
        switch (ms_corpus_below(c, 5)) {
        case 0: ms_corpus_puts(c, "07700 900"); break;
        case 1: ms_corpus_puts(c, "07700900"); break;
        case 2: ms_corpus_puts(c, "+44 7700 900"); break;
        case 3: ms_corpus_puts(c, "0121 496 0"); break;
        default: ms_corpus_puts(c, "01214960"); break;
        }
        ms_corpus_digits(c, 3);
        break;
    case MS_CORPUS_G_EMAIL:
        ms_corpus_put_lower(c, ms_corpus_pick(c, ms_corpus_w_first, MS_CORPUS_N(ms_corpus_w_first)));
        if (ms_corpus_chance(c, 1, 2)) {
            ms_corpus_puts(c, ".");
            ms_corpus_put_lower(c, ms_corpus_pick(c, ms_corpus_w_surname, MS_CORPUS_N(ms_corpus_w_surname)));
        }
        ms_corpus_putu(c, ms_corpus_range(c, 1, 99), 0);
        ms_corpus_puts(c, "@example.com");
        break;
    case MS_CORPUS_G_POSTCODE: {
        ms_corpus_puts(c, "WS");
        ms_corpus_putu(c, ms_corpus_range(c, 1, 10), 0);
        ms_corpus_puts(c, " ");
        ms_corpus_putu(c, ms_corpus_range(c, 1, 9), 0);
        char l[2] = {letters[ms_corpus_below(c, sizeof letters - 1)],
                     letters[ms_corpus_below(c, sizeof letters - 1)]};
        ms_corpus_put(c, l, 2);
        break;
    }
    case MS_CORPUS_G_ADDR:
        ms_corpus_putu(c, ms_corpus_range(c, 1, 199), 0);
        ms_corpus_puts(c, " ");
        ms_corpus_puts(c, ms_corpus_pick(c, ms_corpus_w_street, MS_CORPUS_N(ms_corpus_w_street)));
        break;
    case MS_CORPUS_G_NI: {
        bool spaced = ms_corpus_chance(c, 1, 2);
        ms_corpus_puts(c, ms_corpus_pick(c, ms_corpus_ni_prefix, MS_CORPUS_N(ms_corpus_ni_prefix)));
        for (int i = 0; i < 3; i++) {
            if (spaced)
                ms_corpus_puts(c, " ");
            ms_corpus_digits(c, 2);
        }
        if (spaced)
            ms_corpus_puts(c, " ");
        char suffix = (char)('A' + ms_corpus_below(c, 4));
        ms_corpus_put(c, &suffix, 1);
        break;
    }
    case MS_CORPUS_G_SORTCODE:
        ms_corpus_digits(c, 2);
        ms_corpus_puts(c, "-");
        ms_corpus_digits(c, 2);
        ms_corpus_puts(c, "-");
        ms_corpus_digits(c, 2);
        break;
    case MS_CORPUS_G_ACCOUNT:
        ms_corpus_putu(c, ms_corpus_range(c, 1, 9), 0);
        ms_corpus_digits(c, 7);
        break;
    case MS_CORPUS_G_N2: ms_corpus_putu(c, ms_corpus_range(c, 2, 9), 0); break;
    case MS_CORPUS_G_MINS: ms_corpus_putu(c, ms_corpus_range(c, 10, 95), 0); break;
    case MS_CORPUS_G_TIMES: ms_corpus_putu(c, ms_corpus_range(c, 3, 9), 0); break;
    case MS_CORPUS_G_KIDS: ms_corpus_putu(c, ms_corpus_range(c, 2, 5), 0); break;
    case MS_CORPUS_G_AGE: ms_corpus_putu(c, ms_corpus_range(c, 2, 11), 0); break;
    case MS_CORPUS_G_MONEY: ms_corpus_putu(c, ms_corpus_range(c, 5, 95) * 10, 0); break;
    case MS_CORPUS_G_REF:
        ms_corpus_puts(c, "CR-");
        ms_corpus_putu(c, ms_corpus_range(c, 100000, 999999), 0);
        break;
    case MS_CORPUS_G_CODE:
        for (int i = 0; i < 7; i++) {
            char ch = alnum[ms_corpus_below(c, sizeof alnum - 1)];
            ms_corpus_put(c, &ch, 1);
        }
        break;
    case MS_CORPUS_G_LIST:
        break;
    }
}

/** @brief Fill the slot named by `name` (length n); unknown names are copied verbatim. */
static void ms_corpus_slot_fill(ms_corpus *c, const char *name, size_t n, int depth)
{
    for (uint32_t i = 0; i < MS_CORPUS_N(ms_corpus_slots); i++) {
        const ms_corpus_slot *s = &ms_corpus_slots[i];
        if (strlen(s->name) != n || memcmp(s->name, name, n) != 0)
            continue;
        if (s->gen == MS_CORPUS_G_LIST)
            ms_corpus_expand(c, ms_corpus_pick(c, s->v, s->n), depth + 1);
        else
            ms_corpus_generate(c, s->gen);
        return;
    }
    ms_corpus_put(c, name, n);
}

/** @brief Expand a template into the text: literal bytes and {slots}. */
static void ms_corpus_expand(ms_corpus *c, const char *t, int depth)
{
    while (*t) {
        const char *b = depth < MS_CORPUS_MAX_DEPTH ? strchr(t, '{') : NULL;
        const char *e = b ? strchr(b, '}') : NULL;
        if (!b || !e) {
            ms_corpus_puts(c, t);
            return;
        }
        ms_corpus_put(c, t, (size_t)(b - t));
        ms_corpus_slot_fill(c, b + 1, (size_t)(e - b - 1), depth);
        t = e + 1;
    }
}

/** @brief Largest cut point <= `at` that is not inside a UTF-8 sequence. */
static size_t ms_corpus_char_boundary(const char *s, size_t at)
{
    while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
        at--;
    return at;
}

/** @brief Cut the text to at most `limit` bytes, at a space at or after `lo` if one is near. */
static void ms_corpus_trim(ms_corpus *c, size_t limit, size_t lo)
{
    if (c->len <= limit)
        return;
    size_t floor = limit > 48 ? limit - 48 : 0;
    if (floor < lo)
        floor = lo;
    for (size_t i = limit; i > floor; i--) {
        if (c->text[i] == ' ') {
            size_t end = i;
            while (end > lo && c->text[end - 1] == ' ')
                end--;
            if (end >= lo && end > 0) {
                c->len = end;
                return;
            }
        }
    }
    c->len = ms_corpus_char_boundary(c->text, limit);
}

/** @brief Pad with neutral filler sentences to at least `target` bytes. */
static void ms_corpus_pad(ms_corpus *c, size_t target)
{
    while (c->len < target && c->len < c->cap) {
        size_t before = c->len;
        if (c->len > 0)
            ms_corpus_puts(c, " ");
        ms_corpus_puts(c, ms_corpus_pick(c, ms_corpus_w_filler, MS_CORPUS_N(ms_corpus_w_filler)));
        if (c->len == before)
            break;
    }
}

/** @brief Append a sentence, after ". " when the text ends in a word, else after " ". */
static void ms_corpus_append_sentence(ms_corpus *c, const char *tpl)
{
    char last = c->len ? c->text[c->len - 1] : '.';
    bool word = (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z') ||
                (last >= '0' && last <= '9');
    ms_corpus_puts(c, word ? ". " : " ");
    ms_corpus_expand(c, tpl, 0);
}

/** @brief Bring the text within the bounds (and to the mean target when one is set). */
static void ms_corpus_fit(ms_corpus *c)
{
    size_t lo = c->min_len, hi = c->max_len;
    size_t want_lo = lo, want_hi = hi;
    if (c->mean_len) {
        uint64_t m = c->mean_len;
        uint64_t t = ms_corpus_range(c, m / 2, m + m / 2);
        if (t < lo)
            t = lo;
        if (t > hi)
            t = hi;
        want_lo = (size_t)t;
        want_hi = (size_t)t;
    }
    ms_corpus_pad(c, want_lo);
    ms_corpus_trim(c, want_hi, lo);
    /* a cut at a character boundary can fall short of min_len by a few bytes */
    while (c->len < lo)
        c->text[c->len++] = '.';
}

/** @brief Append a decimal number to a fixed buffer at *pos (bounded, NUL-terminated). */
static void ms_corpus_fmt_u(char *buf, size_t cap, size_t *pos, uint64_t v)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i > 0 && *pos + 1 < cap)
        buf[(*pos)++] = tmp[--i];
    buf[*pos] = '\0';
}

/** @brief Append a string to a fixed buffer at *pos (bounded, NUL-terminated). */
static void ms_corpus_fmt_s(char *buf, size_t cap, size_t *pos, const char *s)
{
    while (*s && *pos + 1 < cap)
        buf[(*pos)++] = *s++;
    buf[*pos] = '\0';
}

/** @brief Write "<prefix><seed>-<n>" into buf and return its length. */
static size_t ms_corpus_fmt_id(char *buf, size_t cap, const char *prefix, uint64_t seed, uint64_t n)
{
    size_t p = 0;
    ms_corpus_fmt_s(buf, cap, &p, prefix);
    ms_corpus_fmt_u(buf, cap, &p, seed);
    ms_corpus_fmt_s(buf, cap, &p, "-");
    ms_corpus_fmt_u(buf, cap, &p, n);
    return p;
}

/** @brief Pool author `k`: id, handle and display name, derived from k alone. */
static void ms_corpus_author(ms_corpus *c, uint64_t k, ms_author *a)
{
    uint64_t h = k * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    uint64_t r1 = ms_corpus_splitmix(&h), r2 = ms_corpus_splitmix(&h), r3 = ms_corpus_splitmix(&h);
    const char *first = ms_corpus_w_first[r1 % MS_CORPUS_N(ms_corpus_w_first)];
    const char *sur = ms_corpus_w_surname[r2 % MS_CORPUS_N(ms_corpus_w_surname)];
    size_t p = 0;
    ms_corpus_fmt_s(c->author_id, sizeof c->author_id, &p, "a-");
    ms_corpus_fmt_u(c->author_id, sizeof c->author_id, &p, k);
    a->id = (ms_str){c->author_id, p};

    /* handle: @first.surnameNN, @firstsurname or @f_surnameNN, lower case */
    char lf[32], ls[32];
    size_t i;
    for (i = 0; first[i] && i + 1 < sizeof lf; i++)
        lf[i] = (char)((first[i] >= 'A' && first[i] <= 'Z') ? first[i] + 32 : first[i]);
    lf[i] = '\0';
    for (i = 0; sur[i] && i + 1 < sizeof ls; i++)
        ls[i] = (char)((sur[i] >= 'A' && sur[i] <= 'Z') ? sur[i] + 32 : sur[i]);
    ls[i] = '\0';
    p = 0;
    ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, "@");
    switch (r3 % 3) {
    case 0:
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, lf);
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, ".");
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, ls);
        ms_corpus_fmt_u(c->handle, sizeof c->handle, &p, k % 97);
        break;
    case 1:
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, lf);
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, ls);
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, "_");
        ms_corpus_fmt_u(c->handle, sizeof c->handle, &p, k);
        break;
    default: {
        char f1[2] = {lf[0], '\0'};
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, f1);
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, "_");
        ms_corpus_fmt_s(c->handle, sizeof c->handle, &p, ls);
        ms_corpus_fmt_u(c->handle, sizeof c->handle, &p, k);
        break;
    }
    }
    a->handle = (ms_str){c->handle, p};

    p = 0;
    ms_corpus_fmt_s(c->display, sizeof c->display, &p, first);
    ms_corpus_fmt_s(c->display, sizeof c->display, &p, " ");
    if ((r3 >> 8) % 4 == 0) {
        char s1[3] = {sur[0], '.', '\0'};
        ms_corpus_fmt_s(c->display, sizeof c->display, &p, s1);
    } else {
        ms_corpus_fmt_s(c->display, sizeof c->display, &p, sur);
    }
    a->display_name = (ms_str){c->display, p};
}

/** @brief A VIP author from the fixed table. */
static void ms_corpus_vip_author_pick(ms_corpus *c, ms_author *a)
{
    uint32_t i = (uint32_t)ms_corpus_below(c, MS_CORPUS_N(ms_corpus_vip));
    size_t p = 0;
    ms_corpus_fmt_s(c->author_id, sizeof c->author_id, &p, "a-vip-");
    ms_corpus_fmt_u(c->author_id, sizeof c->author_id, &p, i);
    a->id = (ms_str){c->author_id, p};
    a->handle = (ms_str){ms_corpus_vip[i].handle, strlen(ms_corpus_vip[i].handle)};
    a->display_name = (ms_str){ms_corpus_vip[i].display_name, strlen(ms_corpus_vip[i].display_name)};
}

/** @brief Draw a platform with realistic weights (Facebook first). */
static ms_platform ms_corpus_platform(ms_corpus *c)
{
    uint64_t r = ms_corpus_below(c, 100);
    if (r < 55) return MS_PLATFORM_FACEBOOK;
    if (r < 70) return MS_PLATFORM_INSTAGRAM;
    if (r < 82) return MS_PLATFORM_X;
    if (r < 88) return MS_PLATFORM_TIKTOK;
    if (r < 92) return MS_PLATFORM_LINKEDIN;
    if (r < 96) return MS_PLATFORM_YOUTUBE;
    return MS_PLATFORM_OTHER;
}

/** @brief Draw a scenario from the mix. */
static ms_corpus_scenario_id ms_corpus_draw_scenario(ms_corpus *c)
{
    uint32_t r = (uint32_t)ms_corpus_below(c, c->total);
    for (int s = 0; s < MS_CORPUS_SCENARIO_COUNT; s++)
        if (r < c->cum[s])
            return (ms_corpus_scenario_id)s;
    return MS_CORPUS_NEUTRAL;
}

/** @brief Write the permalink for a mention on a whg page. */
static size_t ms_corpus_permalink(ms_corpus *c, ms_platform pf, const ms_author *a)
{
    char *b = c->permalink;
    size_t cap = sizeof c->permalink, p = 0;
    switch (pf) {
    case MS_PLATFORM_FACEBOOK:
        ms_corpus_fmt_s(b, cap, &p, "https://www.facebook.com/whgrp/posts/");
        ms_corpus_fmt_s(b, cap, &p, c->post);
        ms_corpus_fmt_s(b, cap, &p, "?comment_id=");
        ms_corpus_fmt_s(b, cap, &p, c->id);
        break;
    case MS_PLATFORM_INSTAGRAM:
        ms_corpus_fmt_s(b, cap, &p, "https://www.instagram.com/p/");
        ms_corpus_fmt_s(b, cap, &p, c->post);
        ms_corpus_fmt_s(b, cap, &p, "/c/");
        ms_corpus_fmt_s(b, cap, &p, c->id);
        break;
    case MS_PLATFORM_X: {
        ms_corpus_fmt_s(b, cap, &p, "https://x.com/");
        size_t i = 0;
        while (i < a->handle.len && a->handle.ptr[i] == '@')
            i++;
        for (; i < a->handle.len && p + 1 < cap; i++)
            b[p++] = a->handle.ptr[i];
        b[p] = '\0';
        ms_corpus_fmt_s(b, cap, &p, "/status/");
        ms_corpus_fmt_s(b, cap, &p, c->id);
        break;
    }
    case MS_PLATFORM_TIKTOK:
        ms_corpus_fmt_s(b, cap, &p, "https://www.tiktok.com/@whg_uk/video/");
        ms_corpus_fmt_s(b, cap, &p, c->post);
        break;
    case MS_PLATFORM_LINKEDIN:
        ms_corpus_fmt_s(b, cap, &p, "https://www.linkedin.com/feed/update/");
        ms_corpus_fmt_s(b, cap, &p, c->post);
        break;
    case MS_PLATFORM_YOUTUBE:
        ms_corpus_fmt_s(b, cap, &p, "https://www.youtube.com/watch?v=");
        ms_corpus_fmt_s(b, cap, &p, c->post);
        ms_corpus_fmt_s(b, cap, &p, "&lc=");
        ms_corpus_fmt_s(b, cap, &p, c->id);
        break;
    default:
        b[0] = '\0';
        break;
    }
    return p;
}

void ms_corpus_options_default(ms_corpus_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->min_len = 20;
    opt->max_len = 600;
    opt->mean_len = 0;
    opt->authors = 5000;
    for (int s = 0; s < MS_CORPUS_SCENARIO_COUNT; s++)
        opt->mix[s] = ms_corpus_scen[s].weight;
}

ms_corpus *ms_corpus_new(uint64_t seed, const ms_corpus_options *opt)
{
    ms_corpus_options o;
    ms_corpus_options_default(&o);
    if (opt) {
        o.min_len = opt->min_len ? opt->min_len : 20;
        o.max_len = opt->max_len ? opt->max_len : 600;
        o.mean_len = opt->mean_len;
        o.authors = opt->authors ? opt->authors : 5000;
        bool any = false;
        for (int s = 0; s < MS_CORPUS_SCENARIO_COUNT; s++)
            any |= opt->mix[s] != 0;
        if (any)
            memcpy(o.mix, opt->mix, sizeof o.mix);
    }
    /* a mean asked for is a mean delivered: the default 600-byte ceiling would
     * otherwise clip every draw above it and a --length 1000 run would measure
     * texts of about 600 */
    if (o.mean_len && o.max_len < o.mean_len + o.mean_len / 2)
        o.max_len = o.mean_len + o.mean_len / 2;
    if (o.max_len < o.min_len)
        o.max_len = o.min_len;

    size_t cap = (size_t)o.max_len + MS_CORPUS_SLACK;
    ms_corpus *c = calloc(1, sizeof *c + cap + 1);
    if (!c)
        return NULL;
    c->text = (char *)(c + 1);
    c->cap = cap;
    c->seed = seed;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        c->s[i] = ms_corpus_splitmix(&x);
    c->min_len = o.min_len;
    c->max_len = o.max_len;
    c->mean_len = o.mean_len;
    c->authors = o.authors;
    uint32_t total = 0;
    for (int s = 0; s < MS_CORPUS_SCENARIO_COUNT; s++) {
        uint32_t w = o.mix[s] > 1000000u ? 1000000u : o.mix[s];
        total += w;
        c->cum[s] = total;
    }
    c->total = total;
    c->now_ms = MS_CORPUS_T0_MS;
    c->last = MS_CORPUS_SCENARIO_COUNT;
    return c;
}

void ms_corpus_free(ms_corpus *c)
{
    free(c);
}

void ms_corpus_next(ms_corpus *c, ms_mention *out)
{
    memset(out, 0, sizeof *out);
    c->n++;
    ms_corpus_scenario_id sc = ms_corpus_draw_scenario(c);
    c->last = sc;

    /* text */
    c->len = 0;
    const ms_corpus_tpl_list *tl = &ms_corpus_tpl[sc];
    uint32_t ti = (uint32_t)ms_corpus_below(c, tl->n);
    ms_corpus_expand(c, tl->t[ti], 0);
    bool closer = false, aside = false;
    switch (sc) {
    case MS_CORPUS_COMPLAINT:
    case MS_CORPUS_REPAIR_URGENT:
    case MS_CORPUS_REPAIR_ROUTINE:
    case MS_CORPUS_NEGATIVE:
    case MS_CORPUS_PROFANITY:
        closer = ms_corpus_chance(c, 1, 4);
        aside = ms_corpus_chance(c, 2, 5);
        break;
    case MS_CORPUS_NON_ENGLISH: /* keep these as written: */
    case MS_CORPUS_VIP:         /* English asides would be out of voice, */
    case MS_CORPUS_MALICIOUS_LINK: /* or would glue "." to a trailing URL */
    case MS_CORPUS_SEXUAL_GRAPHIC:
    case MS_CORPUS_MISINFORMATION:
        break;
    default:
        aside = ms_corpus_chance(c, 2, 5);
        break;
    }
    if (aside)
        ms_corpus_append_sentence(c, "{aside}");
    if (closer)
        ms_corpus_append_sentence(c, "{closer}");
    ms_corpus_fit(c);
    out->text = (ms_str){c->text, c->len};

    /* metadata */
    size_t idn = ms_corpus_fmt_id(c->id, sizeof c->id, "m-", c->seed, c->n);
    out->id = (ms_str){c->id, idn};
    c->now_ms += (int64_t)ms_corpus_range(c, 1, 60000);
    out->created_at_ms = c->now_ms;
    out->platform = ms_corpus_platform(c);

    if (sc == MS_CORPUS_VIP) {
        ms_corpus_vip_author_pick(c, &out->author);
    } else {
        /* skewed: a few authors post a lot */
        uint64_t k = ms_corpus_below(c, ms_corpus_below(c, c->authors) + 1);
        ms_corpus_author(c, k, &out->author);
    }

    if (sc == MS_CORPUS_NON_ENGLISH)
        out->language = (ms_str){ms_corpus_lang_non_english[ti], 2};
    else if (ms_corpus_chance(c, 1, 10))
        out->language = (ms_str){"", 0};
    else
        out->language = (ms_str){"en", 2};

    if (ms_corpus_chance(c, 1, 30))
        c->post_cur++;

    if (sc == MS_CORPUS_EXTERNAL) {
        out->kind = MS_KIND_EXTERNAL_MENTION;
        out->page_owned = false;
        uint64_t k = ms_corpus_range(c, 1000, 999999);
        size_t pn = ms_corpus_fmt_id(c->post, sizeof c->post, "x-", c->seed, k);
        out->post_id = (ms_str){c->post, pn};
        size_t p = 0;
        ms_corpus_fmt_s(c->permalink, sizeof c->permalink, &p, "https://www.facebook.com/");
        ms_corpus_fmt_s(c->permalink, sizeof c->permalink, &p,
                        ms_corpus_pick(c, ms_corpus_ext_pages, MS_CORPUS_N(ms_corpus_ext_pages)));
        ms_corpus_fmt_s(c->permalink, sizeof c->permalink, &p, "/posts/");
        ms_corpus_fmt_u(c->permalink, sizeof c->permalink, &p, k);
        out->permalink = (ms_str){c->permalink, p};
        out->platform = MS_PLATFORM_FACEBOOK;
        return;
    }

    out->page_owned = true;
    uint64_t r = ms_corpus_below(c, 100);
    uint32_t inbox_pct = sc == MS_CORPUS_PERSONAL_INFO ? 35 : 15;
    if (r < inbox_pct) {
        out->kind = MS_KIND_INBOX_MESSAGE;
        /* the thread id is the conversation with this author */
        size_t p = 0;
        ms_corpus_fmt_s(c->post, sizeof c->post, &p, "t-");
        size_t al = out->author.id.len < 30 ? out->author.id.len : 30;
        for (size_t i = 0; i < al && p + 1 < sizeof c->post; i++)
            c->post[p++] = out->author.id.ptr[i];
        c->post[p] = '\0';
        out->post_id = (ms_str){c->post, p};
        return;
    }

    uint64_t post;
    if (r < inbox_pct + 25 && c->ring_len > 0) {
        out->kind = MS_KIND_REPLY;
        const ms_corpus_ring_entry *e = &c->ring[ms_corpus_below(c, c->ring_len)];
        post = e->post;
        size_t pn = ms_corpus_fmt_id(c->parent, sizeof c->parent, "m-", c->seed, e->n);
        out->parent_id = (ms_str){c->parent, pn};
    } else {
        out->kind = MS_KIND_PUBLIC_COMMENT;
        uint64_t back = ms_corpus_below(c, 6);
        post = c->post_cur > back ? c->post_cur - back : 0;
        c->ring[c->ring_pos] = (ms_corpus_ring_entry){c->n, post};
        c->ring_pos = (c->ring_pos + 1) % MS_CORPUS_RING;
        if (c->ring_len < MS_CORPUS_RING)
            c->ring_len++;
    }
    size_t pn = ms_corpus_fmt_id(c->post, sizeof c->post, "p-", c->seed, post);
    out->post_id = (ms_str){c->post, pn};
    size_t ln = ms_corpus_permalink(c, out->platform, &out->author);
    out->permalink = (ms_str){c->permalink, ln};
}

const char *ms_corpus_scenario(const ms_corpus *c)
{
    return c->last < MS_CORPUS_SCENARIO_COUNT ? ms_corpus_scen[c->last].name : "";
}

ms_corpus_scenario_id ms_corpus_scenario_last(const ms_corpus *c)
{
    return c->last;
}

const char *ms_corpus_scenario_name(ms_corpus_scenario_id s)
{
    return (unsigned)s < MS_CORPUS_SCENARIO_COUNT ? ms_corpus_scen[s].name : "";
}

bool ms_corpus_scenario_parse(const char *s, size_t n, ms_corpus_scenario_id *out)
{
    for (int i = 0; i < MS_CORPUS_SCENARIO_COUNT; i++) {
        const char *name = ms_corpus_scen[i].name;
        if (strlen(name) == n && memcmp(name, s, n) == 0) {
            *out = (ms_corpus_scenario_id)i;
            return true;
        }
    }
    return false;
}

ms_category ms_corpus_scenario_category(ms_corpus_scenario_id s)
{
    return (unsigned)s < MS_CORPUS_SCENARIO_COUNT ? ms_corpus_scen[s].category : MS_CAT_OTHER;
}
