
tt*
1whg_fanFan ❤20@whg when is the gas safety check?? 10am or 2pm?Bv1Jc0R#https://www.tiktok.com/@whg/video/1