
li2%Great to see the new homes in Walsall