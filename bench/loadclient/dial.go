package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"syscall"
	"time"
)

var errBadHandshake = errors.New("websocket: bad handshake")

// dialOptions are what every socket's connection and handshake share.
type dialOptions struct {
	url              *neturl.URL
	local            *net.TCPAddr
	dialTimeout      time.Duration
	handshakeTimeout time.Duration
	subscribe        []byte // the first message, sent right after the handshake
}

// dialSocket connects, upgrades to WebSocket with the tablecast.v1 subprotocol, sends the
// subscribe message, and returns a descriptor the Go runtime no longer knows of, plus any bytes
// the handshake read past the response (the first frames may come in the same segment).
//
// The handshake is done by hand on the net.Conn so those over-read bytes are ours to keep. The
// descriptor is then duplicated and the net.Conn closed: that takes the socket out of the
// runtime's own poller, which would otherwise wake a thread for every segment received; the
// duplicate keeps the connection open and belongs to the reader loop alone.
func dialSocket(o dialOptions) (fd int, leftover []byte, err error) {
	d := net.Dialer{LocalAddr: o.local, Timeout: o.dialTimeout}
	conn, err := d.Dial("tcp", o.url.Host)
	if err != nil {
		return -1, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(o.handshakeTimeout))

	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	path := o.url.RequestURI()
	request := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tablecast.v1\r\n\r\n",
		path, o.url.Host, key)
	if _, err := conn.Write([]byte(request)); err != nil {
		return -1, nil, err
	}
	br := bufio.NewReaderSize(conn, 4096)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return -1, nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols ||
		!strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") ||
		resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		return -1, nil, fmt.Errorf("%w (HTTP %d)", errBadHandshake, resp.StatusCode)
	}
	if n := br.Buffered(); n > 0 {
		peeked, _ := br.Peek(n)
		leftover = append([]byte(nil), peeked...)
	}
	if _, err := conn.Write(clientFrame(0x81, o.subscribe)); err != nil {
		return -1, nil, err
	}
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		return -1, nil, err
	}
	dupErr := raw.Control(func(s uintptr) {
		fd, err = syscall.Dup(int(s))
	})
	if dupErr != nil {
		return -1, nil, dupErr
	}
	if err != nil {
		return -1, nil, err
	}
	syscall.CloseOnExec(fd)
	// O_NONBLOCK belongs to the open file, so the duplicate is non-blocking too.
	return fd, leftover, nil
}

func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// clientFrame is one masked, unfragmented client frame (used once per socket, for subscribe).
func clientFrame(first byte, payload []byte) []byte {
	f := []byte{first}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	f = append(f, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i&3])
	}
	return f
}
