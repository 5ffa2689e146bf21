 
{"text":"x"}