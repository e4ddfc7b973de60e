module tablecast/bench/loadclient

go 1.19
