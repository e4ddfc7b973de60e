package main

import (
	"bytes"
	"strings"
)

// maxMarker bounds --marker so the bytes carried across reads fit in a fixed array.
const maxMarker = 64

// maxControl is the largest control-frame payload RFC 6455 allows (ping, pong, close).
const maxControl = 125

// CloseNoStatus is the code a close frame without a payload stands for (RFC 6455 §7.1.5), and
// closeAbnormal the one tallied when the socket ends without a close frame (EOF, reset, a
// protocol error), as gorilla/websocket reported both before.
const (
	closeNoStatus = 1005
	closeAbnormal = 1006
)

var snapshotEnd = []byte(`{"type":"snapshot-end"`)

// commonBytes ranks bytes by how often they appear in JSON deltas, most frequent first.
const commonBytes = ` "e:,t0a1o2i3n4s5r6l7d8h9u{}c[]m.-_pfgykvbwx`

// marker is what --marker counts, with the byte searched for first: the least common one, so
// the search stops rarely (bytes.Count would stop at every '"' of the default "seq":).
type marker struct {
	bytes []byte
	pivot int
}

func newMarker(m []byte) *marker {
	k := &marker{bytes: m}
	rank := func(b byte) int {
		if i := strings.IndexByte(commonBytes, b); i >= 0 {
			return i
		}
		return len(commonBytes)
	}
	for i, b := range m {
		if rank(b) > rank(m[k.pivot]) {
			k.pivot = i
		}
	}
	return k
}

// count counts the non-overlapping occurrences of the marker in chunk, leftmost first (what
// bytes.Count counts).
func (k *marker) count(chunk []byte) int64 {
	m, pivot := k.bytes, k.pivot
	var n int64
	for i := pivot; i < len(chunk); {
		j := bytes.IndexByte(chunk[i:], m[pivot])
		if j < 0 {
			break
		}
		start := i + j - pivot
		if start+len(m) > len(chunk) {
			break
		}
		if bytes.Equal(chunk[start:start+len(m)], m) {
			n++
			i = start + len(m) + pivot
		} else {
			i += j + 1
		}
	}
	return n
}

// events receives what a stream finds in the bytes it is fed. Implementations must not keep the
// ping payload: it points into the stream's own buffer.
type events interface {
	live()
	ping(payload []byte)
	closed(code int, reason string)
}

// stream parses one socket's server→client WebSocket frames (unmasked) from whatever pieces
// read(2) returns, with no allocation: a frame header is gathered in a fixed array, payloads are
// looked at where they lie. Before the socket is live it matches the first bytes of each
// message against snapshot-end; once live it counts the messages, payload bytes and marker
// occurrences of every later message (fragments of one message count once, and a marker split
// between two reads or two fragments is still found).
type stream struct {
	hdr       [14]byte
	hdrN      int
	inFrame   bool
	opcode    byte
	fin       bool
	remaining uint64

	inMessage bool // a data message is open (waiting for its FIN fragment)
	counting  bool // the open message arrived after snapshot-end
	prefix    int  // bytes of snapshot-end matched by the open message; -1: it is not one

	carry  [maxMarker]byte // the last len(marker)-1 payload bytes of the open message
	carryN int

	ctl  [maxControl]byte
	ctlN int

	isLive, isClosed bool

	// Plain counters: one reader loop owns the stream; report time reads the published copies.
	frames, bytes, changes int64
}

// feed parses data and reports whether the stream is still open (no close frame, no protocol
// error). Bytes after a close frame are ignored.
func (s *stream) feed(data []byte, marker *marker, ev events) bool {
	for len(data) > 0 && !s.isClosed {
		if !s.inFrame {
			data = s.header(data, ev)
			continue
		}
		n := len(data)
		if uint64(n) > s.remaining {
			n = int(s.remaining)
		}
		chunk := data[:n]
		data = data[n:]
		s.remaining -= uint64(n)
		if s.opcode >= 8 {
			s.ctlN += copy(s.ctl[s.ctlN:], chunk)
		} else {
			s.payload(chunk, marker, ev)
		}
		if s.remaining == 0 {
			s.endFrame(ev)
		}
	}
	return !s.isClosed
}

// header gathers header bytes from data and starts the frame once they are all there.
func (s *stream) header(data []byte, ev events) []byte {
	for len(data) > 0 {
		s.hdr[s.hdrN] = data[0]
		s.hdrN++
		data = data[1:]
		if s.hdrN < 2 {
			continue
		}
		need := 2
		switch s.hdr[1] & 0x7f {
		case 126:
			need = 4
		case 127:
			need = 10
		}
		if s.hdr[1]&0x80 != 0 {
			s.fail(ev, "masked server frame")
			return nil
		}
		if s.hdrN < need {
			continue
		}
		s.begin(ev)
		return data
	}
	return data
}

func (s *stream) begin(ev events) {
	h := s.hdr
	s.hdrN = 0
	var length uint64
	switch h[1] & 0x7f {
	case 126:
		length = uint64(h[2])<<8 | uint64(h[3])
	case 127:
		for _, b := range h[2:10] {
			length = length<<8 | uint64(b)
		}
	default:
		length = uint64(h[1] & 0x7f)
	}
	s.opcode = h[0] & 0x0f
	s.fin = h[0]&0x80 != 0
	if h[0]&0x70 != 0 {
		s.fail(ev, "reserved bits set")
		return
	}
	switch s.opcode {
	case 0:
		if !s.inMessage {
			s.fail(ev, "continuation without a message")
			return
		}
	case 1, 2:
		if s.inMessage {
			s.fail(ev, "new message before the last one ended")
			return
		}
		s.inMessage = true
		s.counting = s.isLive
		s.prefix = 0
		s.carryN = 0
	case 8, 9, 10:
		if !s.fin || length > maxControl {
			s.fail(ev, "bad control frame")
			return
		}
		s.ctlN = 0
	default:
		s.fail(ev, "unknown opcode")
		return
	}
	s.inFrame = true
	s.remaining = length
	if length == 0 {
		s.endFrame(ev)
	}
}

func (s *stream) payload(chunk []byte, marker *marker, ev events) {
	if s.counting {
		s.bytes += int64(len(chunk))
		s.countMarker(chunk, marker)
		return
	}
	if s.isLive || s.prefix < 0 || s.prefix >= len(snapshotEnd) {
		return
	}
	want := snapshotEnd[s.prefix:]
	n := minInt(len(chunk), len(want))
	if !bytes.Equal(chunk[:n], want[:n]) {
		s.prefix = -1
		return
	}
	s.prefix += n
	if s.prefix == len(snapshotEnd) {
		s.isLive = true
		ev.live()
	}
}

// countMarker counts marker occurrences in chunk, plus those that start in the bytes carried
// from the message's previous chunk and end in this one.
func (s *stream) countMarker(chunk []byte, k *marker) {
	marker := k.bytes
	keep := len(marker) - 1
	if keep <= 0 {
		s.changes += k.count(chunk)
		return
	}
	if s.carryN > 0 {
		var window [2 * maxMarker]byte
		w := copy(window[:], s.carry[:s.carryN])
		w += copy(window[w:], chunk[:minInt(len(chunk), keep)])
		for i := 0; i < s.carryN && i+len(marker) <= w; i++ {
			if bytes.Equal(window[i:i+len(marker)], marker) {
				s.changes++
				break // the carry is shorter than the marker: one occurrence at most starts in it
			}
		}
	}
	s.changes += k.count(chunk)
	if len(chunk) >= keep {
		s.carryN = copy(s.carry[:], chunk[len(chunk)-keep:])
		return
	}
	// A chunk shorter than the carry: keep the tail of carry+chunk.
	drop := maxInt(0, s.carryN+len(chunk)-keep)
	s.carryN = copy(s.carry[:], s.carry[drop:s.carryN])
	s.carryN += copy(s.carry[s.carryN:], chunk)
}

func (s *stream) endFrame(ev events) {
	s.inFrame = false
	switch s.opcode {
	case 9:
		ev.ping(s.ctl[:s.ctlN])
	case 8:
		code := closeNoStatus
		if s.ctlN >= 2 {
			code = int(s.ctl[0])<<8 | int(s.ctl[1])
		}
		s.isClosed = true
		ev.closed(code, "")
	case 10:
	default:
		if s.fin {
			if s.counting {
				s.frames++
			}
			s.inMessage = false
			s.counting = false
		}
	}
}

func (s *stream) fail(ev events, reason string) {
	s.isClosed = true
	ev.closed(closeAbnormal, "websocket: "+reason)
}

// minInt and maxInt stand in for the min and max built-ins (Go 1.21), so the load client builds
// with Debian's Go 1.19, which .ci/run installs where no Go is present.
func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
