
esc*@cllr_smith2>line1
line2	tab "quoted" back\slash / café 😡 lone � end 