package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"testing"
	"time"
)

// readClientFrame reads one masked client frame (short payloads only) and unmasks it.
func readClientFrame(r io.Reader) (byte, string, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, "", err
	}
	if h[1]&0x80 == 0 {
		return 0, "", fmt.Errorf("client frame not masked")
	}
	n := int(h[1] & 0x7f)
	if n >= 126 {
		return 0, "", fmt.Errorf("long client frame")
	}
	var mask [4]byte
	io.ReadFull(r, mask[:])
	p := make([]byte, n)
	io.ReadFull(r, p)
	for i := range p {
		p[i] ^= mask[i&3]
	}
	return h[0], string(p), nil
}

func TestAcceptKeyOfRFC6455(t *testing.T) {
	if got := acceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("accept key %q", got)
	}
}

// One socket end to end over loopback: the handshake, frames sent in the same segment as the
// 101 response (the bytes the handshake over-reads), the subscribe message, a ping answered by
// a pong, counted deltas, and a close frame echoed and tallied by its code.
func TestSocketThroughReaderLoop(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serverDone := make(chan error, 1)
	go func() {
		serverDone <- func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			req, err := http.ReadRequest(br)
			if err != nil {
				return err
			}
			if req.Header.Get("Sec-WebSocket-Protocol") != "tablecast.v1" {
				return fmt.Errorf("subprotocol %q", req.Header.Get("Sec-WebSocket-Protocol"))
			}
			resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: " + acceptKey(req.Header.Get("Sec-WebSocket-Key")) +
				"\r\nSec-WebSocket-Protocol: tablecast.v1\r\n\r\n"
			first := append([]byte(resp), text(`{"type":"snapshot-end","sub":"s"}`)...)
			if _, err := c.Write(first); err != nil {
				return err
			}
			op, sub, err := readClientFrame(br)
			if err != nil || op != 0x81 || sub != `{"type":"subscribe","sub":"s","table":"bench"}` {
				return fmt.Errorf("subscribe: %x %q %v", op, sub, err)
			}
			c.Write(serverFrame(true, 9, "are you there", 7))
			op, pong, err := readClientFrame(br)
			if err != nil || op != 0x8a || pong != "are you there" {
				return fmt.Errorf("pong: %x %q %v", op, pong, err)
			}
			c.Write(text(deltas(3, 5)))
			c.Write(text(deltas(300, 300)))
			c.Write(serverFrame(true, 8, "\x03\xe9", 7))
			op, body, err := readClientFrame(br)
			if err != nil || op != 0x88 || body != "\x03\xe9" {
				return fmt.Errorf("close echo: %x %q %v", op, body, err)
			}
			return nil
		}()
	}()

	var tl tallies
	loop, err := newReaderLoop(testMarker, &tl, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	go loop.run()
	u, _ := neturl.Parse("ws://" + ln.Addr().String())
	fd, leftover, err := dialSocket(dialOptions{
		url: u, local: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, dialTimeout: 5 * time.Second,
		handshakeTimeout: 5 * time.Second, subscribe: []byte(`{"type":"subscribe","sub":"s","table":"bench"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	sock := &socket{fd: fd, live: make(chan struct{}, 1)}
	loop.add(sock, leftover)
	select {
	case <-sock.live:
	case <-time.After(10 * time.Second):
		t.Fatal("never live")
	}
	if err := <-serverDone; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tl.closed.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	codes := toMap(&tl.closeCodes)
	if codes["1001"] != 1 || tl.live.Load() != 0 || tl.failed.Load() != 0 {
		t.Fatalf("close not tallied as 1001: %v live %d failed %d", codes, tl.live.Load(), tl.failed.Load())
	}
	if f, c := sock.pubFrames.Load(), sock.pubChanges.Load(); f != 2 || c != 303 {
		t.Fatalf("frames %d changes %d, want 2 and 303", f, c)
	}
}
