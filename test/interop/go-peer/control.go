package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Output writes one JSON object per line; answers and events from many goroutines never interleave.
type Output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func NewOutput(w io.Writer) *Output { return &Output{enc: json.NewEncoder(w)} }

func (o *Output) write(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(v)
}

// Event reports something that happened without being asked: {"event": name, ...fields}.
func (o *Output) Event(name string, fields map[string]any) {
	fields["event"] = name
	o.write(fields)
}

// command is one stdin line: {"id": 7, "cmd": "publish", "topic": "t", "data": "..."}.
type command struct {
	ID      int64  `json:"id"`
	Cmd     string `json:"cmd"`
	Addr    string `json:"addr,omitempty"`
	Peer    string `json:"peer,omitempty"`
	Topic   string `json:"topic,omitempty"`
	Data    string `json:"data,omitempty"`
	Body    string `json:"body,omitempty"`
	Name    string `json:"name,omitempty"`
	FileID  string `json:"fileId,omitempty"`
	Ms      int64  `json:"ms,omitempty"`
	Size    int64  `json:"size,omitempty"`
	Timeout int64  `json:"timeoutMs,omitempty"`
}

// serveControl runs each command in its own goroutine, so a slow lookup does not hold back the others; the
// answer carries the command's id.
func (p *Peer) serveControl(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var c command
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			p.out.write(map[string]any{"ok": false, "error": "bad command: " + err.Error()})
			continue
		}
		go func(c command) {
			timeout := 30 * time.Second
			if c.Timeout > 0 {
				timeout = time.Duration(c.Timeout) * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(p.ctx, timeout)
			defer cancel()
			res, err := p.run(ctx, c)
			if err != nil {
				p.out.write(map[string]any{"id": c.ID, "ok": false, "error": err.Error()})
				return
			}
			p.out.write(map[string]any{"id": c.ID, "ok": true, "result": res})
		}(c)
	}
}

func (p *Peer) run(ctx context.Context, c command) (any, error) {
	switch c.Cmd {
	case "info":
		return map[string]any{"peerId": p.host.ID().String(), "addrs": addrStrings(p.host)}, nil
	case "connect":
		ai, err := peer.AddrInfoFromString(c.Addr)
		if err != nil {
			return nil, err
		}
		return nil, p.host.Connect(ctx, *ai)
	case "disconnect":
		id, err := peer.Decode(c.Peer)
		if err != nil {
			return nil, err
		}
		return nil, p.host.Network().ClosePeer(id)
	case "peers":
		return p.connectedPeers(), nil
	case "findPeer":
		id, err := peer.Decode(c.Peer)
		if err != nil {
			return nil, err
		}
		ai, err := p.dht.FindPeer(ctx, id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"peerId": ai.ID.String(), "addrs": multiaddrStrings(ai.Addrs)}, nil
	case "routingTable":
		var ids []string
		for _, id := range p.dht.RoutingTable().ListPeers() {
			ids = append(ids, id.String())
		}
		return ids, nil
	case "subscribe":
		return nil, p.pubsub.Subscribe(c.Topic)
	case "unsubscribe":
		return nil, p.pubsub.Unsubscribe(c.Topic)
	case "publish":
		id, err := p.pubsub.Publish(ctx, c.Topic, []byte(c.Data))
		if err != nil {
			return nil, err
		}
		return map[string]any{"msgId": id}, nil
	case "mesh":
		return p.pubsub.Mesh(c.Topic), nil
	case "scores":
		return p.pubsub.Scores(), nil
	case "scoreDetails":
		return p.pubsub.ScoreDetails(), nil
	case "penalties":
		return p.pubsub.Penalties(), nil
	case "gossipStats":
		return p.pubsub.tracer.Snapshot(), nil
	case "cutOff":
		p.gater.cutOff(time.Duration(c.Ms) * time.Millisecond)
		for _, conn := range p.host.Network().Conns() {
			_ = conn.Close()
		}
		return nil, nil
	case "dm":
		id, err := peer.Decode(c.Peer)
		if err != nil {
			return nil, err
		}
		body, err := base64.StdEncoding.DecodeString(c.Body)
		if err != nil {
			return nil, fmt.Errorf("body is not base64: %w", err)
		}
		return p.dm.Send(ctx, id, body)
	case "share":
		data, err := base64.StdEncoding.DecodeString(c.Data)
		if err != nil {
			return nil, fmt.Errorf("data is not base64: %w", err)
		}
		id, err := p.files.Share(c.Name, data)
		if err != nil {
			return nil, err
		}
		return map[string]any{"fileId": id}, nil
	case "shareRandom":
		if c.Size <= 0 || c.Size > maxShareRandom {
			return nil, fmt.Errorf("size must be 1 to %d bytes", maxShareRandom)
		}
		data := make([]byte, c.Size)
		_, _ = rand.Read(data)
		id, err := p.files.Share(c.Name, data)
		if err != nil {
			return nil, err
		}
		return map[string]any{"fileId": id}, nil
	case "unshare":
		p.files.Unshare(c.FileID)
		return nil, nil
	case "fetch":
		id, err := peer.Decode(c.Peer)
		if err != nil {
			return nil, err
		}
		return p.files.Fetch(ctx, id, c.FileID)
	case "provide":
		return nil, p.files.Provide(ctx, p.dht, c.FileID)
	default:
		return nil, fmt.Errorf("unknown command %q", c.Cmd)
	}
}

func (p *Peer) connectedPeers() []map[string]any {
	var list []map[string]any
	for _, id := range p.host.Network().Peers() {
		protos, _ := p.host.Peerstore().GetProtocols(id)
		agent, _ := p.host.Peerstore().Get(id, "AgentVersion")
		list = append(list, map[string]any{"peerId": id.String(), "protocols": protos, "agent": agent})
	}
	return list
}

func multiaddrStrings(addrs []ma.Multiaddr) []string {
	s := make([]string, 0, len(addrs))
	for _, a := range addrs {
		s = append(s, a.String())
	}
	return s
}

// maxShareRandom caps a generated file: the benchmark's largest, with room to spare, in memory.
const maxShareRandom = 1 << 30
