
p99c2new platform