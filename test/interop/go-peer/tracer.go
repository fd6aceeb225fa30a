package main

import (
	"encoding/base64"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// maxTrackedIDs caps the ids remembered per peer (asked of it, or asked by it): a peer cannot grow them without
// bound, and a test asks far fewer.
const maxTrackedIDs = 10_000

// peerGossip counts one remote peer's IHAVE/IWANT traffic with this node.
type peerGossip struct {
	IhaveIDs        int            `json:"ihaveIds"`           // ids it announced to us
	IhaveForeignIDs int            `json:"ihaveForeignIds"`    // of those, ids not of the form peer id ++ 8-byte seqno
	IwantReceived   int            `json:"iwantReceived"`      // ids it asked us for
	IwantAnswered   int            `json:"iwantAnswered"`      // messages we sent it that it had asked for
	IwantSent       int            `json:"iwantSent"`          // ids we asked it for
	IwantServed     int            `json:"iwantServed"`        // messages it sent us that we had asked it for
	Duplicates      int            `json:"duplicates"`         // messages from it we already had
	Delivered       int            `json:"delivered"`          // messages it was first to bring us
	Rejected        map[string]int `json:"rejected,omitempty"` // messages from it we rejected, by reason
	GraftReceived   int            `json:"graftReceived"`
	PruneReceived   int            `json:"pruneReceived"`
	GraftSent       int            `json:"graftSent"`
	PruneSent       int            `json:"pruneSent"`

	askedOfUs map[string]struct{}
	askedByUs map[string]struct{}
}

type gossipTracer struct {
	mu      sync.Mutex
	peers   map[peer.ID]*peerGossip
	publish map[string]chan string
}

func newGossipTracer() *gossipTracer {
	return &gossipTracer{peers: map[peer.ID]*peerGossip{}, publish: map[string]chan string{}}
}

func (t *gossipTracer) peer(id peer.ID) *peerGossip {
	g, ok := t.peers[id]
	if !ok {
		g = &peerGossip{askedOfUs: map[string]struct{}{}, askedByUs: map[string]struct{}{}}
		t.peers[id] = g
	}
	return g
}

func remember(set map[string]struct{}, id string) {
	if len(set) < maxTrackedIDs {
		set[id] = struct{}{}
	}
}

func isGoStyleID(id string) bool {
	if len(id) <= 8 {
		return false
	}
	_, err := peer.IDFromBytes([]byte(id[:len(id)-8]))
	return err == nil
}

// Snapshot is every peer's counters, by peer id.
func (t *gossipTracer) Snapshot() map[string]peerGossip {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := make(map[string]peerGossip, len(t.peers))
	for id, g := range t.peers {
		c := *g
		c.askedOfUs, c.askedByUs = nil, nil
		if g.Rejected != nil {
			c.Rejected = make(map[string]int, len(g.Rejected))
			for k, v := range g.Rejected {
				c.Rejected[k] = v
			}
		}
		s[id.String()] = c
	}
	return s
}

func (t *gossipTracer) expectPublish(data []byte, id chan string) {
	t.mu.Lock()
	t.publish[string(data)] = id
	t.mu.Unlock()
}

func (t *gossipTracer) RecvRPC(rpc *pubsub.RPC) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.peer(rpc.From())
	if ctl := rpc.GetControl(); ctl != nil {
		for _, ih := range ctl.GetIhave() {
			for _, id := range ih.GetMessageIDs() {
				g.IhaveIDs++
				if !isGoStyleID(id) {
					g.IhaveForeignIDs++
				}
			}
		}
		for _, iw := range ctl.GetIwant() {
			for _, id := range iw.GetMessageIDs() {
				g.IwantReceived++
				remember(g.askedOfUs, id)
			}
		}
		g.GraftReceived += len(ctl.GetGraft())
		g.PruneReceived += len(ctl.GetPrune())
	}
	for _, m := range rpc.GetPublish() {
		id := pubsub.DefaultMsgIdFn(m)
		if _, ok := g.askedByUs[id]; ok {
			delete(g.askedByUs, id)
			g.IwantServed++
		}
	}
}

func (t *gossipTracer) SendRPC(rpc *pubsub.RPC, p peer.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.peer(p)
	g.GraftSent += len(rpc.GetControl().GetGraft())
	g.PruneSent += len(rpc.GetControl().GetPrune())
	for _, iw := range rpc.GetControl().GetIwant() {
		for _, id := range iw.GetMessageIDs() {
			g.IwantSent++
			remember(g.askedByUs, id)
		}
	}
	for _, m := range rpc.GetPublish() {
		id := pubsub.DefaultMsgIdFn(m)
		if _, ok := g.askedOfUs[id]; ok {
			delete(g.askedOfUs, id)
			g.IwantAnswered++
		}
		t.published(m, id)
	}
}

func (t *gossipTracer) published(m *pb.Message, id string) {
	if ch, ok := t.publish[string(m.GetData())]; ok {
		delete(t.publish, string(m.GetData()))
		ch <- base64.RawURLEncoding.EncodeToString([]byte(id))
	}
}

func (t *gossipTracer) DuplicateMessage(msg *pubsub.Message) {
	t.mu.Lock()
	t.peer(msg.ReceivedFrom).Duplicates++
	t.mu.Unlock()
}

func (t *gossipTracer) RejectMessage(msg *pubsub.Message, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.peer(msg.ReceivedFrom)
	if g.Rejected == nil {
		g.Rejected = map[string]int{}
	}
	g.Rejected[reason]++
}

func (t *gossipTracer) DeliverMessage(msg *pubsub.Message) {
	t.mu.Lock()
	t.peer(msg.ReceivedFrom).Delivered++
	t.mu.Unlock()
}

func (t *gossipTracer) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (t *gossipTracer) OnClosedOutboundStream(peer.ID)                       {}
func (t *gossipTracer) Join(string)                                          {}
func (t *gossipTracer) Leave(string)                                         {}
func (t *gossipTracer) Graft(peer.ID, string)                                {}
func (t *gossipTracer) Prune(peer.ID, string)                                {}
func (t *gossipTracer) ValidateMessage(*pubsub.Message)                      {}
func (t *gossipTracer) ThrottlePeer(peer.ID)                                 {}
func (t *gossipTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (t *gossipTracer) DropRPC(*pubsub.RPC, peer.ID)                         {}
func (t *gossipTracer) UndeliverableMessage(*pubsub.Message)                 {}
