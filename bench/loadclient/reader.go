package main

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// pollTimeoutMs and yieldEvery keep the runtime's monitor thread asleep (see run).
const (
	pollTimeoutMs = 4
	yieldEvery    = 4 * time.Millisecond
)

// readBuffer is the one buffer a reader loop reads every socket into.
const readBuffer = 256 << 10

// socket is one subscriber after its handshake: a raw descriptor owned by one reader loop.
type socket struct {
	index int
	fd    int
	s     stream
	// pending holds pong/close bytes the kernel did not take at once (rare: the send buffer is
	// full); they go out before any later reply.
	pending []byte
	// live is signalled once, when the socket goes live or ends before that (its lane waits).
	live chan struct{}

	// Published after each read by the loop; read at report time.
	pubFrames, pubBytes, pubChanges atomic.Int64
	// Values at the last reset, touched only by the IPC goroutine.
	baseFrames, baseBytes, baseChanges int64
}

// tallies are the process-wide counts that change when a socket changes state, never per frame.
type tallies struct {
	live, failed, closed atomic.Int64
	errs, closeCodes     sync.Map
}

// readerLoop owns a set of sockets: one OS thread blocked in epoll_wait, reading each ready
// socket into one buffer and parsing it in place.
type readerLoop struct {
	epfd     int
	wakeR    int
	wakeW    int
	marker   *marker
	t        *tallies
	mu       sync.Mutex
	incoming []incoming
	sockets  map[int]*socket // by descriptor; touched by the loop only
	cur      *socket
	buf      []byte
	reply    [14 + maxControl]byte
	maskSeed uint32
	interval time.Duration // least time between two epoll_waits
}

type incoming struct {
	sock     *socket
	leftover []byte // bytes read past the handshake response
}

func newReaderLoop(marker *marker, t *tallies, interval time.Duration) (*readerLoop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		return nil, err
	}
	l := &readerLoop{
		epfd: epfd, wakeR: p[0], wakeW: p[1], marker: marker, t: t,
		sockets: map[int]*socket{}, buf: make([]byte, readBuffer), maskSeed: 0x9e3779b9, interval: interval,
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(l.wakeR)}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, l.wakeR, &ev); err != nil {
		return nil, err
	}
	return l, nil
}

// add hands a socket to the loop; the loop parses leftover before reading the descriptor.
func (l *readerLoop) add(sock *socket, leftover []byte) {
	l.mu.Lock()
	l.incoming = append(l.incoming, incoming{sock, leftover})
	l.mu.Unlock()
	syscall.Write(l.wakeW, []byte{1})
}

// run never returns. The loop yields every yieldEvery and bounds each epoll_wait by
// pollTimeoutMs: a goroutine that neither yields nor leaves a syscall for 10 ms has its P taken
// back by the runtime's monitor thread, which then polls every 20 µs for a while, and that cost
// more CPU than reading the sockets. Level-triggered: a read that fills less than the buffer has
// drained the socket for now, so the loop goes back to epoll_wait instead of paying one more
// read(2) for EAGAIN; anything that arrives later is reported again.
func (l *readerLoop) run() {
	runtime.LockOSThread()
	events := make([]syscall.EpollEvent, 512)
	yielded := time.Now()
	woke := yielded
	for {
		if time.Since(yielded) >= yieldEvery {
			runtime.Gosched()
			yielded = time.Now()
		}
		if l.interval > 0 {
			// Let frames gather: one wake-up then reads many sockets, some of them twice over.
			if rest := l.interval - time.Since(woke); rest > 0 {
				ts := syscall.NsecToTimespec(int64(rest))
				syscall.Nanosleep(&ts, nil)
			}
		}
		n, err := syscall.EpollWait(l.epfd, events, pollTimeoutMs)
		woke = time.Now()
		if err != nil {
			continue // EINTR: the runtime's preemption signals
		}
		for _, e := range events[:n] {
			fd := int(e.Fd)
			if fd == l.wakeR {
				l.admit()
				continue
			}
			if sock := l.sockets[fd]; sock != nil {
				l.readSocket(sock)
			}
		}
	}
}

func (l *readerLoop) admit() {
	var drain [64]byte
	for {
		if n, _ := rawRead(l.wakeR, drain[:]); n <= 0 {
			break
		}
	}
	l.mu.Lock()
	batch := l.incoming
	l.incoming = nil
	l.mu.Unlock()
	for _, in := range batch {
		sock := in.sock
		l.sockets[sock.fd] = sock
		if len(in.leftover) > 0 && !l.feed(sock, in.leftover) {
			continue
		}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(sock.fd)}
		if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, sock.fd, &ev); err != nil {
			tally(&l.t.errs, "epoll_ctl: "+err.Error())
			l.end(sock, closeAbnormal)
		}
	}
}

func (l *readerLoop) readSocket(sock *socket) {
	if len(sock.pending) > 0 {
		l.flush(sock)
	}
	for {
		n, errno := rawRead(sock.fd, l.buf)
		if n > 0 {
			if !l.feed(sock, l.buf[:n]) {
				return
			}
			if n < len(l.buf) {
				return
			}
			continue
		}
		if errno == syscall.EAGAIN || errno == syscall.EINTR {
			return
		}
		// 0: EOF; otherwise ECONNRESET and the like.
		l.end(sock, closeAbnormal)
		return
	}
}

// feed parses data for sock and publishes its counters; false once the socket has ended.
func (l *readerLoop) feed(sock *socket, data []byte) bool {
	l.cur = sock
	open := sock.s.feed(data, l.marker, l)
	if sock.s.isLive {
		sock.pubFrames.Store(sock.s.frames)
		sock.pubBytes.Store(sock.s.bytes)
		sock.pubChanges.Store(sock.s.changes)
	}
	return open && sock.fd >= 0
}

func (l *readerLoop) live() {
	l.t.live.Add(1)
	signal(l.cur.live)
}

// ping answers with a masked pong carrying the same payload: the bridge closes sockets that
// do not answer its pings.
func (l *readerLoop) ping(payload []byte) {
	l.send(l.cur, 0x8a, payload)
}

func (l *readerLoop) closed(code int, reason string) {
	if reason != "" {
		tally(&l.t.errs, reason)
	} else {
		// Echo the close (RFC 6455 §5.5.1), as gorilla's default close handler did.
		var body [2]byte
		payload := body[:0]
		if code != closeNoStatus {
			payload = append(payload, byte(code>>8), byte(code))
		}
		l.send(l.cur, 0x88, payload)
	}
	l.end(l.cur, code)
}

// end closes the socket and tallies it like the close of a gorilla connection before.
func (l *readerLoop) end(sock *socket, code int) {
	if sock.fd < 0 {
		return
	}
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, sock.fd, nil)
	delete(l.sockets, sock.fd)
	syscall.Close(sock.fd)
	sock.fd = -1
	tally(&l.t.closeCodes, strconv.Itoa(code))
	l.t.closed.Add(1)
	if sock.s.isLive {
		l.t.live.Add(-1)
	} else {
		l.t.failed.Add(1)
		signal(sock.live)
	}
}

// send writes one masked client frame (a client must mask every frame it sends).
func (l *readerLoop) send(sock *socket, first byte, payload []byte) {
	if sock.fd < 0 {
		return
	}
	f := l.reply[:0]
	f = append(f, first, 0x80|byte(len(payload)))
	// Any mask serves here; a xorshift keeps it changing without a syscall.
	l.maskSeed ^= l.maskSeed << 13
	l.maskSeed ^= l.maskSeed >> 17
	l.maskSeed ^= l.maskSeed << 5
	mask := [4]byte{byte(l.maskSeed >> 24), byte(l.maskSeed >> 16), byte(l.maskSeed >> 8), byte(l.maskSeed)}
	f = append(f, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i&3])
	}
	if len(sock.pending) > 0 {
		sock.pending = append(sock.pending, f...)
		l.flush(sock)
		return
	}
	n, _ := rawWrite(sock.fd, f)
	if n < len(f) {
		sock.pending = append(sock.pending, f[maxInt(n, 0):]...)
	}
}

func (l *readerLoop) flush(sock *socket) {
	n, _ := rawWrite(sock.fd, sock.pending)
	if n > 0 {
		sock.pending = sock.pending[n:]
	}
	if len(sock.pending) == 0 {
		sock.pending = nil
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// rawRead and rawWrite skip the scheduler hooks of syscall.Read/Write: on a non-blocking
// descriptor they never block.
func rawRead(fd int, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}

func rawWrite(fd int, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}
