// Command loadclient holds thousands of tablecast subscribers in one compiled process, so a
// benchmark's load generator costs little CPU next to the bridge it measures. It is the Go twin
// of bench/load-clients.ts and speaks the same worker messages over Node's IPC channel
// (newline-delimited JSON on the descriptor named by NODE_CHANNEL_FD, as child_process gives any
// child started with an 'ipc' stdio entry).
//
// Each socket offers the tablecast.v1 subprotocol, subscribes to the whole table, waits for
// snapshot-end, then counts delta frames, bytes and changes (occurrences of a marker in the
// frame's bytes: no JSON parsing).
//
// Per frame it does as little as it can. Lanes of goroutines dial and upgrade the sockets (the
// handshake by hand, dial.go); each socket's descriptor then goes to one reader loop (reader.go,
// --reader-loops of them, sockets split by index): an OS thread that waits in epoll_wait (at
// most once per --read-interval-us, so frames gather between wake-ups), reads every ready socket
// with a raw read(2) into one reused 256 KiB buffer and parses the frames in place (frames.go):
// no allocation, no goroutine and no shared atomic per frame, the counters kept per socket and
// summed at report time. It answers pings with masked pongs (the bridge drops sockets that do
// not) and tallies close frames and dropped connections by close code. On the 2-core machine
// with 1,000 sockets (docs/BENCHMARKS.md, fan-out) that is ~6–8 µs of CPU per received frame,
// most of it the kernel's TCP receive path, where gorilla/websocket with a goroutine per socket
// and an allocated message per frame took ~15–27 µs.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	neturl "net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	url            = flag.String("url", "", "ws://host:port of the bridge")
	count          = flag.Int("count", 1, "sockets to open")
	table          = flag.String("table", "bench", "table to subscribe to")
	sourceAddrs    = flag.Int("source-addresses", 16, "bind sockets to this many 127.0.0.x addresses")
	firstAddr      = flag.Int("first-address", 2, "first x of 127.0.0.x")
	concurrency    = flag.Int("connect-concurrency", 200, "connections opened at once")
	connectTimeout = flag.Int("connect-timeout-ms", 60000, "time for every socket to go live")
	markerFlag     = flag.String("marker", `"seq":`, "counted once per change")
	readerLoops    = flag.Int("reader-loops", 1, "reader threads (epoll loops) the sockets are split over")
	readIntervalUs = flag.Int("read-interval-us", 1000, "least time between two wake-ups of a reader loop (0: wake per event)")
	filterPrefix   = flag.String("filter-prefix", "", "subscribe with this key prefix as the filter (empty: the whole table)")
)

func main() {
	flag.Parse()
	if len(*markerFlag) == 0 || len(*markerFlag) > maxMarker || *readerLoops < 1 {
		fmt.Fprintf(os.Stderr, "loadclient: --marker must be 1..%d bytes and --reader-loops at least 1\n", maxMarker)
		os.Exit(2)
	}
	target, err := neturl.Parse(*url)
	if err != nil || target.Host == "" {
		fmt.Fprintf(os.Stderr, "loadclient: --url must be ws://host:port, got %q\n", *url)
		os.Exit(2)
	}
	ipc := ipcChannel()
	var t tallies
	mark := newMarker([]byte(*markerFlag))
	loops := make([]*readerLoop, *readerLoops)
	for i := range loops {
		l, err := newReaderLoop(mark, &t, time.Duration(*readIntervalUs)*time.Microsecond)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadclient: cannot start a reader loop:", err)
			os.Exit(1)
		}
		loops[i] = l
		go l.run()
	}
	sockets := make([]*socket, *count)
	connected := make([]bool, *count)
	subscribe := []byte(fmt.Sprintf(`{"type":"subscribe","sub":"s","table":%q}`, *table))
	if *filterPrefix != "" {
		subscribe = []byte(fmt.Sprintf(`{"type":"subscribe","sub":"s","table":%q,"filter":{"prefix":%q}}`, *table, *filterPrefix))
	}

	start := time.Now()
	deadline := start.Add(time.Duration(*connectTimeout) * time.Millisecond)
	var next atomic.Int64
	var wg sync.WaitGroup
	for lane := 0; lane < minInt(*concurrency, *count); lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= *count || time.Now().After(deadline) {
					return
				}
				s := &socket{index: i, fd: -1, live: make(chan struct{}, 1)}
				sockets[i] = s
				opts := dialOptions{
					url:              target,
					local:            &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(*firstAddr+i%*sourceAddrs))},
					dialTimeout:      30 * time.Second,
					handshakeTimeout: 60 * time.Second,
					subscribe:        subscribe,
				}
				ok := make(chan bool, 1)
				go func() {
					fd, leftover, err := dialSocket(opts)
					if err != nil {
						tally(&t.errs, err.Error())
						t.failed.Add(1)
						ok <- false
						signal(s.live)
						return
					}
					s.fd = fd
					ok <- true
					loops[i%len(loops)].add(s, leftover)
				}()
				timer := time.NewTimer(time.Until(deadline))
				select {
				case <-s.live:
				case <-timer.C:
				}
				timer.Stop()
				select {
				case connected[i] = <-ok:
				default:
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, c := range connected {
		if c {
			n++
		}
	}
	ipc.send(map[string]any{
		"type": "ready", "requested": *count, "connected": n, "live": t.live.Load(),
		"failed": t.failed.Load(), "seconds": time.Since(start).Seconds(), "errors": toMap(&t.errs),
		"closeCodes": toMap(&t.closeCodes),
	})

	for message := range ipc.messages {
		switch message {
		case "reset":
			for _, s := range sockets {
				if s != nil {
					s.baseFrames, s.baseBytes, s.baseChanges = s.pubFrames.Load(), s.pubBytes.Load(), s.pubChanges.Load()
				}
			}
			ipc.send(map[string]any{"type": "reset", "live": t.live.Load(), "cpuSeconds": cpuSeconds()})
		case "report":
			var frames, byteCount, changes int64
			minChanges, maxChanges := int64(-1), int64(0)
			for _, s := range sockets {
				if s == nil {
					continue
				}
				frames += s.pubFrames.Load() - s.baseFrames
				byteCount += s.pubBytes.Load() - s.baseBytes
				n := s.pubChanges.Load() - s.baseChanges
				changes += n
				if minChanges < 0 || n < minChanges {
					minChanges = n
				}
				maxChanges = maxInt64(maxChanges, n)
			}
			ipc.send(map[string]any{
				"type": "report", "frames": frames, "bytes": byteCount,
				"changes": changes, "live": t.live.Load(), "closed": t.closed.Load(),
				"failed": t.failed.Load(), "minChanges": maxInt64(minChanges, 0), "maxChanges": maxChanges,
				"closeCodes": toMap(&t.closeCodes), "errors": toMap(&t.errs), "rss": rss(),
				"cpuSeconds": cpuSeconds(),
			})
		case "stop":
			os.Exit(0)
		}
	}
	// The parent went away: nothing is left to report to.
	os.Exit(0)
}

type channel struct {
	out      *os.File
	mu       sync.Mutex
	messages chan string
}

// ipcChannel opens Node's IPC descriptor: one JSON message per line in each direction.
func ipcChannel() *channel {
	fd, err := strconv.Atoi(os.Getenv("NODE_CHANNEL_FD"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadclient runs as a benchmark worker (NODE_CHANNEL_FD is not set)")
		os.Exit(2)
	}
	file := os.NewFile(uintptr(fd), "ipc")
	ch := &channel{out: file, messages: make(chan string, 16)}
	go func() {
		scanner := bufio.NewScanner(file)
		scanner.Buffer(make([]byte, 1<<20), 1<<20)
		for scanner.Scan() {
			var m struct{ Type string }
			if json.Unmarshal(scanner.Bytes(), &m) == nil {
				ch.messages <- m.Type
			}
		}
		close(ch.messages)
	}()
	return ch
}

func (ch *channel) send(message map[string]any) {
	line, _ := json.Marshal(message)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.out.Write(append(line, '\n'))
}

func tally(m *sync.Map, key string) {
	if len(key) > 60 {
		key = key[:60]
	}
	v, _ := m.LoadOrStore(key, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func toMap(m *sync.Map) map[string]int64 {
	out := map[string]int64{}
	m.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

func rss() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := bytes.Fields(data)
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(string(fields[1]), 10, 64)
	return pages * int64(os.Getpagesize())
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}
