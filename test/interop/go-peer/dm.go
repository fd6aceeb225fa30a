package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	dmProtocol = "/gossipd/dm/1.0.0"
	// docs/PROTOCOLS.md: ceil(65536 / 3) * 4 + 4096 for gossipd's default 64 KiB body
	dmMaxFrame = 91_480
	dmMaxBody  = 64 * 1024
	// the (from, id) pairs remembered to answer a retry `duplicate: true`; a test sends far fewer
	dmMaxSeen = 10_000
)

type dmFrame struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	From      string `json:"from,omitempty"`
	Ts        int64  `json:"ts,omitempty"`
	Nick      string `json:"nick,omitempty"`
	Body      string `json:"body,omitempty"`
	Duplicate *bool  `json:"duplicate,omitempty"`
	Code      string `json:"code,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// DirectMessages speaks /gossipd/dm/1.0.0 both ways: sends with an ack awaited, receives and acks.
type DirectMessages struct {
	h    host.Host
	out  *Output
	nick string
	mu   sync.Mutex
	seen map[string]struct{}
}

func NewDirectMessages(h host.Host, out *Output, nick string) *DirectMessages {
	d := &DirectMessages{h: h, out: out, nick: nick, seen: map[string]struct{}{}}
	h.SetStreamHandler(dmProtocol, d.handle)
	return d
}

// Send writes one msg frame and waits for its answer; an ack is the result, a nack an error.
func (d *DirectMessages) Send(ctx context.Context, to peer.ID, body []byte) (any, error) {
	s, err := d.h.NewStream(network.WithAllowLimitedConn(ctx, "dm"), to, dmProtocol)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	idBytes := make([]byte, 16)
	_, _ = rand.Read(idBytes)
	msg := dmFrame{Type: "msg", ID: hex.EncodeToString(idBytes), From: d.h.ID().String(), Ts: time.Now().UnixMilli(),
		Nick: d.nick, Body: base64.StdEncoding.EncodeToString(body)}
	b, _ := json.Marshal(msg)
	if err := writeFrame(s, b); err != nil {
		return nil, err
	}
	raw, err := readFrame(bufio.NewReader(s), dmMaxFrame)
	if err != nil {
		return nil, fmt.Errorf("no answer: %w", err)
	}
	var ans dmFrame
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, fmt.Errorf("answer is not JSON: %w", err)
	}
	if ans.ID != msg.ID {
		return nil, fmt.Errorf("answer names message %q, not %q", ans.ID, msg.ID)
	}
	switch ans.Type {
	case "ack":
		return map[string]any{"id": msg.ID, "acked": true, "duplicate": ans.Duplicate != nil && *ans.Duplicate}, nil
	case "nack":
		return nil, fmt.Errorf("nack %s: %s", ans.Code, ans.Reason)
	default:
		return nil, fmt.Errorf("answer of type %q", ans.Type)
	}
}

func (d *DirectMessages) handle(s network.Stream) {
	defer s.Close()
	remote := s.Conn().RemotePeer()
	r := bufio.NewReader(s)
	for {
		_ = s.SetReadDeadline(time.Now().Add(30 * time.Second))
		raw, err := readFrame(r, dmMaxFrame)
		if err != nil {
			return
		}
		var m dmFrame
		if err := json.Unmarshal(raw, &m); err != nil || m.Type != "msg" || m.ID == "" || len(m.ID) > 128 {
			_ = s.Reset()
			return
		}
		ans := d.receive(remote, m)
		b, _ := json.Marshal(ans)
		if err := writeFrame(s, b); err != nil || ans.Type == "nack" {
			return
		}
	}
}

func (d *DirectMessages) receive(remote peer.ID, m dmFrame) dmFrame {
	if m.From != remote.String() {
		return dmFrame{Type: "nack", ID: m.ID, Code: "wrong-sender", Reason: "from is not the connection's peer"}
	}
	body, err := base64.StdEncoding.DecodeString(m.Body)
	if err != nil {
		return dmFrame{Type: "nack", ID: m.ID, Code: "bad-body", Reason: "body is not base64"}
	}
	if len(body) > dmMaxBody {
		return dmFrame{Type: "nack", ID: m.ID, Code: "too-large", Reason: "body over 64 KiB"}
	}
	key := m.From + "\x00" + m.ID
	d.mu.Lock()
	_, dup := d.seen[key]
	if !dup && len(d.seen) < dmMaxSeen {
		d.seen[key] = struct{}{}
	}
	d.mu.Unlock()
	if !dup {
		d.out.Event("dm", map[string]any{"id": m.ID, "from": m.From, "ts": m.Ts, "nick": m.Nick, "body": string(body)})
	}
	return dmFrame{Type: "ack", ID: m.ID, Duplicate: &dup}
}
