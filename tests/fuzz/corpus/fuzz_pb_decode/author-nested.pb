*
a1	@wmpolice	WM PoliceH2!Please call us about the incident