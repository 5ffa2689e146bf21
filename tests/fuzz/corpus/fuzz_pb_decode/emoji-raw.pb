
ig_12=Thanks so much 😍👍 great job team! café naïve срамZen-GB