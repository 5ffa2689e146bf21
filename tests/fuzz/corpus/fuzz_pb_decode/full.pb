
fb_123456789 *
u42
@jo_bloggs	Jo Bloggs2FStill waiting 3 weeks for someone to fix the boiler. Shocking service!8€°´ ¶2Bp_77R!https://facebook.com/whg/posts/77Zen