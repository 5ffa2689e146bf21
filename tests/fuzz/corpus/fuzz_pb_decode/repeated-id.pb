
first
second2last one wins2last one wins2last one wins