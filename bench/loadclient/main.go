// Command loadclient holds thousands of tablecast subscribers in one compiled process, so a
// benchmark's load generator costs little CPU next to the bridge it measures. It is the Go twin
// of bench/load-clients.ts and speaks the same worker messages over Node's IPC channel
// (newline-delimited JSON on the descriptor named by NODE_CHANNEL_FD, as child_process gives any
// child started with an 'ipc' stdio entry).
//
// Each socket offers the tablecast.v1 subprotocol, subscribes to the whole table, waits for
// snapshot-end, then counts delta frames, bytes and changes (occurrences of a marker in the
// frame's bytes: no JSON parsing).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

type counters struct {
	frames, bytes, changes, live, failed, closed atomic.Int64
}

type socket struct {
	conn    *websocket.Conn
	changes atomic.Int64
}

var (
	url            = flag.String("url", "", "ws://host:port of the bridge")
	count          = flag.Int("count", 1, "sockets to open")
	table          = flag.String("table", "bench", "table to subscribe to")
	sourceAddrs    = flag.Int("source-addresses", 16, "bind sockets to this many 127.0.0.x addresses")
	firstAddr      = flag.Int("first-address", 2, "first x of 127.0.0.x")
	concurrency    = flag.Int("connect-concurrency", 200, "connections opened at once")
	connectTimeout = flag.Int("connect-timeout-ms", 60000, "time for every socket to go live")
	marker         = flag.String("marker", `"seq":`, "counted once per change")
)

var snapshotEnd = []byte(`{"type":"snapshot-end"`)

func main() {
	flag.Parse()
	ipc := ipcChannel()
	var c counters
	sockets := make([]*socket, *count)
	errs := sync.Map{}
	closeCodes := sync.Map{}
	mark := []byte(*marker)
	subscribe := []byte(fmt.Sprintf(`{"type":"subscribe","sub":"s","table":%q}`, *table))

	start := time.Now()
	deadline := start.Add(time.Duration(*connectTimeout) * time.Millisecond)
	var next atomic.Int64
	var wg sync.WaitGroup
	for lane := 0; lane < min(*concurrency, *count); lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= *count || time.Now().After(deadline) {
					return
				}
				s := &socket{}
				sockets[i] = s
				live := make(chan struct{}, 1)
				go run(s, i, subscribe, mark, &c, &errs, &closeCodes, live)
				select {
				case <-live:
				case <-time.After(time.Until(deadline)):
				}
			}
		}()
	}
	wg.Wait()
	connected := 0
	for _, s := range sockets {
		if s != nil && s.conn != nil {
			connected++
		}
	}
	ipc.send(map[string]any{
		"type": "ready", "requested": *count, "connected": connected, "live": c.live.Load(),
		"failed": c.failed.Load(), "seconds": time.Since(start).Seconds(), "errors": toMap(&errs),
		"closeCodes": toMap(&closeCodes),
	})

	for message := range ipc.messages {
		switch message {
		case "reset":
			c.frames.Store(0)
			c.bytes.Store(0)
			c.changes.Store(0)
			for _, s := range sockets {
				if s != nil {
					s.changes.Store(0)
				}
			}
			ipc.send(map[string]any{"type": "reset", "live": c.live.Load(), "cpuSeconds": cpuSeconds()})
		case "report":
			minChanges, maxChanges := int64(-1), int64(0)
			for _, s := range sockets {
				if s == nil {
					continue
				}
				n := s.changes.Load()
				if minChanges < 0 || n < minChanges {
					minChanges = n
				}
				maxChanges = max(maxChanges, n)
			}
			ipc.send(map[string]any{
				"type": "report", "frames": c.frames.Load(), "bytes": c.bytes.Load(),
				"changes": c.changes.Load(), "live": c.live.Load(), "closed": c.closed.Load(),
				"failed": c.failed.Load(), "minChanges": max(minChanges, 0), "maxChanges": maxChanges,
				"closeCodes": toMap(&closeCodes), "errors": toMap(&errs), "rss": rss(),
				"cpuSeconds": cpuSeconds(),
			})
		case "stop":
			os.Exit(0)
		}
	}
	// The parent went away: nothing is left to report to.
	os.Exit(0)
}

func run(s *socket, i int, subscribe, mark []byte, c *counters, errs, closeCodes *sync.Map, live chan<- struct{}) {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(*firstAddr+i%*sourceAddrs))}
	dialer := websocket.Dialer{
		NetDial: func(network, addr string) (net.Conn, error) {
			return (&net.Dialer{LocalAddr: local, Timeout: 30 * time.Second}).Dial(network, addr)
		},
		Subprotocols:     []string{"tablecast.v1"},
		HandshakeTimeout: 60 * time.Second,
		ReadBufferSize:   64 << 10,
	}
	conn, _, err := dialer.Dial(*url, http.Header{})
	if err != nil {
		tally(errs, err.Error())
		c.failed.Add(1)
		live <- struct{}{}
		return
	}
	s.conn = conn
	conn.SetReadLimit(256 << 20)
	if err := conn.WriteMessage(websocket.TextMessage, subscribe); err != nil {
		tally(errs, err.Error())
	}
	isLive := false
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			code := websocket.CloseAbnormalClosure
			if ce, ok := err.(*websocket.CloseError); ok {
				code = ce.Code
			}
			tally(closeCodes, strconv.Itoa(code))
			c.closed.Add(1)
			if isLive {
				c.live.Add(-1)
			} else {
				c.failed.Add(1)
				live <- struct{}{}
			}
			return
		}
		if isLive {
			n := int64(bytes.Count(data, mark))
			c.frames.Add(1)
			c.bytes.Add(int64(len(data)))
			c.changes.Add(n)
			s.changes.Add(n)
			continue
		}
		if bytes.HasPrefix(data, snapshotEnd) {
			isLive = true
			c.live.Add(1)
			live <- struct{}{}
		}
	}
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
