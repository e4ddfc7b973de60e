package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

var testMarker = newMarker([]byte(`"seq":`))

type recorder struct {
	lives  int
	pings  []string
	codes  []int
	errors []string
}

func (r *recorder) live()               { r.lives++ }
func (r *recorder) ping(payload []byte) { r.pings = append(r.pings, string(payload)) }
func (r *recorder) closed(code int, reason string) {
	r.codes = append(r.codes, code)
	if reason != "" {
		r.errors = append(r.errors, reason)
	}
}

// serverFrame encodes one unmasked frame; length picks the 7/16/64-bit length field on purpose.
func serverFrame(fin bool, opcode byte, payload string, lengthBits int) []byte {
	first := opcode
	if fin {
		first |= 0x80
	}
	f := []byte{first}
	n := len(payload)
	switch lengthBits {
	case 7:
		f = append(f, byte(n))
	case 16:
		f = append(f, 126, byte(n>>8), byte(n))
	case 64:
		f = append(f, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(f, payload...)
}

func text(payload string) []byte {
	bits := 7
	if len(payload) > 125 {
		bits = 16
	}
	if len(payload) > 0xffff {
		bits = 64
	}
	return serverFrame(true, 1, payload, bits)
}

func deltas(n int, pad int) string {
	var b strings.Builder
	b.WriteString(`{"type":"delta","sub":"s","changes":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"key":"k%d","value":{"seq":%d,"pad":"%s"}}`, i, i, strings.Repeat("x", pad))
	}
	b.WriteString(`]}`)
	return b.String()
}

type result struct {
	frames, bytes, changes int64
	live                   bool
	rec                    recorder
}

func feedPieces(pieces ...[]byte) result {
	var s stream
	var r result
	for _, p := range pieces {
		s.feed(p, testMarker, &r.rec)
	}
	r.frames, r.bytes, r.changes, r.live = s.frames, s.bytes, s.changes, s.isLive
	return r
}

func same(t *testing.T, what string, got, want result) {
	t.Helper()
	if got.frames != want.frames || got.bytes != want.bytes || got.changes != want.changes ||
		got.live != want.live || got.rec.lives != want.rec.lives ||
		strings.Join(got.rec.pings, "|") != strings.Join(want.rec.pings, "|") ||
		fmt.Sprint(got.rec.codes) != fmt.Sprint(want.rec.codes) {
		t.Fatalf("%s: got %+v, want %+v", what, got, want)
	}
}

// A session: snapshot part, snapshot-end, deltas of every length encoding, a ping between
// messages, a message in three fragments with a ping between them, a close with its code.
func session() ([]byte, result) {
	small := deltas(2, 10)
	medium := deltas(10, 20)   // 16-bit length
	large := deltas(200, 400)  // > 64 KiB: 64-bit length
	fragmented := deltas(5, 7) // split in three below, cuts inside markers
	snapshot := `{"type":"snapshot","sub":"s","rows":[{"key":"a","value":{"seq":1}}]}`
	var b bytes.Buffer
	b.Write(text(snapshot))
	b.Write(text(`{"type":"snapshot-end","sub":"s"}`))
	b.Write(text(small))
	b.Write(serverFrame(true, 9, "ping-1", 7))
	b.Write(serverFrame(true, 1, medium, 16))
	b.Write(serverFrame(true, 2, large, 64))
	cut1 := strings.Index(fragmented, `"seq":`) + 3
	cut2 := strings.LastIndex(fragmented, `"seq":`) + 1
	b.Write(serverFrame(false, 1, fragmented[:cut1], 7))
	b.Write(serverFrame(true, 9, "ping-2", 7))
	b.Write(serverFrame(false, 0, fragmented[cut1:cut2], 16))
	b.Write(serverFrame(true, 10, "", 7)) // an unsolicited pong is ignored
	b.Write(serverFrame(true, 0, fragmented[cut2:], 64))
	b.Write(serverFrame(true, 8, "\x03\xe9bye", 7))
	b.Write(text(small)) // after the close: ignored
	want := result{
		frames:  4,
		bytes:   int64(len(small) + len(medium) + len(large) + len(fragmented)),
		changes: 2 + 10 + 200 + 5,
		live:    true,
		rec:     recorder{lives: 1, pings: []string{"ping-1", "ping-2"}, codes: []int{1001}},
	}
	return b.Bytes(), want
}

func TestWholeSession(t *testing.T) {
	data, want := session()
	same(t, "whole", feedPieces(data), want)
}

func TestSplitAtEveryByte(t *testing.T) {
	data, want := session()
	for cut := 0; cut <= len(data); cut++ {
		same(t, fmt.Sprintf("cut at %d", cut), feedPieces(data[:cut], data[cut:]), want)
	}
}

func TestOneByteAtATime(t *testing.T) {
	data, want := session()
	pieces := make([][]byte, len(data))
	for i := range data {
		pieces[i] = data[i : i+1]
	}
	same(t, "bytewise", feedPieces(pieces...), want)
}

func TestMarkerAcrossEveryBoundary(t *testing.T) {
	// Markers back to back and at the edges of the payload, split at every pair of points.
	payload := `"seq":"seq":x"seq"::"seq":`
	frame := text(payload)
	head := text(`{"type":"snapshot-end"}`)
	for i := 0; i <= len(frame); i++ {
		for j := i; j <= len(frame); j++ {
			got := feedPieces(head, frame[:i], frame[i:j], frame[j:])
			if got.changes != 4 || got.frames != 1 || got.bytes != int64(len(payload)) {
				t.Fatalf("cuts %d,%d: %+v", i, j, got)
			}
		}
	}
}

func TestMarkerNotJoinedAcrossMessages(t *testing.T) {
	got := feedPieces(text(`{"type":"snapshot-end"}`), text(`x"se`), text(`q":y`))
	if got.changes != 0 || got.frames != 2 {
		t.Fatalf("a marker split between two messages is two halves, not one: %+v", got)
	}
}

func TestOnlyMessagesAfterSnapshotEndCount(t *testing.T) {
	got := feedPieces(text(`{"type":"snapshot","rows":[{"seq":1}]}`),
		text(` {"type":"snapshot-end"}`), // not a prefix match: not live
		text(`{"seq":2}`))
	if got.live || got.frames != 0 || got.changes != 0 {
		t.Fatalf("counted before snapshot-end: %+v", got)
	}
	// snapshot-end itself is not counted; a prefix split across fragments is still found.
	end := `{"type":"snapshot-end","sub":"s"}`
	got = feedPieces(serverFrame(false, 1, end[:5], 7), serverFrame(true, 0, end[5:], 7), text(`{"seq":3}`))
	if !got.live || got.frames != 1 || got.changes != 1 || got.rec.lives != 1 {
		t.Fatalf("fragmented snapshot-end: %+v", got)
	}
}

func TestCloseWithoutCode(t *testing.T) {
	got := feedPieces(serverFrame(true, 8, "", 7))
	if fmt.Sprint(got.rec.codes) != "[1005]" {
		t.Fatalf("close without a code: %+v", got.rec)
	}
}

func TestProtocolErrorsClose(t *testing.T) {
	for name, data := range map[string][]byte{
		"masked":            {0x81, 0x81, 1, 2, 3, 4, 'x'},
		"orphan fragment":   serverFrame(true, 0, "x", 7),
		"long control":      serverFrame(true, 9, strings.Repeat("p", 126), 16),
		"fragmented ping":   serverFrame(false, 9, "p", 7),
		"interleaved data":  append(serverFrame(false, 1, "a", 7), serverFrame(true, 1, "b", 7)...),
		"reserved opcode":   serverFrame(true, 3, "", 7),
		"reserved bits set": {0xc1, 0},
	} {
		got := feedPieces(data)
		if fmt.Sprint(got.rec.codes) != "[1006]" || len(got.rec.errors) != 1 {
			t.Errorf("%s: %+v", name, got.rec)
		}
	}
}

func TestFeedDoesNotAllocate(t *testing.T) {
	data, _ := session()
	data = data[:bytes.LastIndex(data, []byte{0x88})] // keep the stream open
	var s stream
	var r recorder
	r.pings = make([]string, 0, 1024)
	allocs := testing.AllocsPerRun(50, func() {
		s = stream{}
		r.pings = r.pings[:0]
		s.feed(data, testMarker, nopEvents{})
	})
	if allocs != 0 {
		t.Fatalf("feed allocated %.0f times per session", allocs)
	}
}

type nopEvents struct{}

func (nopEvents) live()              {}
func (nopEvents) ping([]byte)        {}
func (nopEvents) closed(int, string) {}

// The pivot search counts what bytes.Count counts, whichever byte it searches for first.
func TestMarkerCountMatchesBytesCount(t *testing.T) {
	seed := uint32(7)
	rnd := func(n int) int {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		return int(seed % uint32(n))
	}
	for _, m := range []string{`"seq":`, `q`, `aa`, `aba`, `"x"`, `::`} {
		for pivot := 0; pivot < len(m); pivot++ {
			k := &marker{bytes: []byte(m), pivot: pivot}
			for j := 0; j < 300; j++ {
				b := make([]byte, rnd(60))
				for i := range b {
					b[i] = `"seq:abx`[rnd(8)]
				}
				if got, want := k.count(b), int64(bytes.Count(b, []byte(m))); got != want {
					t.Fatalf("marker %q pivot %d in %q: %d, bytes.Count %d", m, pivot, b, got, want)
				}
			}
		}
	}
	if k := newMarker([]byte(`"seq":`)); k.pivot != 3 {
		t.Fatalf(`"seq": searched by byte %d, want the q`, k.pivot)
	}
}
