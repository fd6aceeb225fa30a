package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// PubSub is gossipsub with StrictSign (go-libp2p-pubsub's default), the default message id (`from` ++ seqno) and
// peer scoring whose penalties are the ones an id mismatch between implementations would trigger.
type PubSub struct {
	ctx    context.Context
	self   peer.ID
	ps     *pubsub.PubSub
	out    *Output
	tracer *gossipTracer

	mu     sync.Mutex
	topics map[string]*joined
	scores map[peer.ID]*pubsub.PeerScoreSnapshot
}

type joined struct {
	topic  *pubsub.Topic
	sub    *pubsub.Subscription
	cancel context.CancelFunc
}

// scoreInspectPeriod: how often the router hands over every peer's score.
const scoreInspectPeriod = 500 * time.Millisecond

// peerScoreParams follow gossipd's (src/node/gossip-scoring.ts): IP colocation off (a test swarm shares one
// address), and a behaviour penalty for every IWANT promise not kept, from the first one. Those promises are
// matched by message id, so a peer whose ids differ from ours breaks every one and scores below zero.
func peerScoreParams() *pubsub.PeerScoreParams {
	return &pubsub.PeerScoreParams{
		Topics:                      map[string]*pubsub.TopicScoreParams{},
		TopicScoreCap:               10,
		AppSpecificScore:            func(peer.ID) float64 { return 0 },
		AppSpecificWeight:           1,
		IPColocationFactorWeight:    0,
		IPColocationFactorThreshold: 1,
		BehaviourPenaltyWeight:      -1,
		BehaviourPenaltyThreshold:   0,
		BehaviourPenaltyDecay:       0.9,
		DecayInterval:               time.Second,
		DecayToZero:                 0.01,
		RetainScore:                 10 * time.Second,
	}
}

func topicScoreParams() *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		SkipAtomicValidation:           true,
		TopicWeight:                    1,
		TimeInMeshWeight:               0.01,
		TimeInMeshQuantum:              time.Second,
		TimeInMeshCap:                  300,
		FirstMessageDeliveriesWeight:   1,
		FirstMessageDeliveriesDecay:    0.9,
		FirstMessageDeliveriesCap:      10,
		InvalidMessageDeliveriesWeight: -10,
		InvalidMessageDeliveriesDecay:  0.99,
	}
}

func NewPubSub(ctx context.Context, h host.Host, out *Output, heartbeat time.Duration, historyGossip int) (*PubSub, error) {
	p := &PubSub{ctx: ctx, self: h.ID(), out: out, topics: map[string]*joined{}, scores: map[peer.ID]*pubsub.PeerScoreSnapshot{}}
	p.tracer = newGossipTracer()
	params := pubsub.DefaultGossipSubParams()
	params.HeartbeatInterval = heartbeat
	params.HistoryGossip = historyGossip
	if params.HistoryLength < historyGossip {
		params.HistoryLength = historyGossip * 2
	}
	ps, err := pubsub.NewGossipSub(ctx, h,
		pubsub.WithGossipSubParams(params),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictSign),
		pubsub.WithMessageIdFn(pubsub.DefaultMsgIdFn),
		pubsub.WithPeerScore(peerScoreParams(), &pubsub.PeerScoreThresholds{
			GossipThreshold:   -10,
			PublishThreshold:  -50,
			GraylistThreshold: -80,
		}),
		pubsub.WithPeerScoreInspect(pubsub.ExtendedPeerScoreInspectFn(p.onScores), scoreInspectPeriod),
		pubsub.WithRawTracer(p.tracer),
		pubsub.WithFloodPublish(true),
	)
	if err != nil {
		return nil, err
	}
	p.ps = ps
	return p, nil
}

func (p *PubSub) onScores(scores map[peer.ID]*pubsub.PeerScoreSnapshot) {
	p.mu.Lock()
	p.scores = scores
	p.mu.Unlock()
}

// Scores is the latest score of every peer the router knows, by peer id.
func (p *PubSub) Scores() map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := make(map[string]float64, len(p.scores))
	for id, v := range p.scores {
		s[id.String()] = v.Score
	}
	return s
}

// Penalties is the behaviour penalty (counted before squaring) of every peer that has one, by peer id.
func (p *PubSub) Penalties() map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := map[string]float64{}
	for id, v := range p.scores {
		if v.BehaviourPenalty != 0 {
			s[id.String()] = v.BehaviourPenalty
		}
	}
	return s
}

func (p *PubSub) Subscribe(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.topics[name]; ok {
		return nil
	}
	t, err := p.ps.Join(name)
	if err != nil {
		return err
	}
	if err := t.SetScoreParams(topicScoreParams()); err != nil {
		return err
	}
	sub, err := t.Subscribe()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(p.ctx)
	p.topics[name] = &joined{topic: t, sub: sub, cancel: cancel}
	go p.read(ctx, sub)
	return nil
}

func (p *PubSub) Unsubscribe(name string) error {
	p.mu.Lock()
	j, ok := p.topics[name]
	delete(p.topics, name)
	p.mu.Unlock()
	if !ok {
		return nil
	}
	j.cancel()
	j.sub.Cancel()
	return j.topic.Close()
}

func (p *PubSub) read(ctx context.Context, sub *pubsub.Subscription) {
	for {
		m, err := sub.Next(ctx)
		if err != nil {
			return
		}
		// gossipd delivers none of its own messages to itself; neither does this peer, so every implementation
		// counts the same deliveries
		if m.ReceivedFrom == p.self {
			continue
		}
		p.out.Event("message", map[string]any{
			"topic":        m.GetTopic(),
			"msgId":        base64.RawURLEncoding.EncodeToString([]byte(m.ID)),
			"from":         m.GetFrom().String(),
			"receivedFrom": m.ReceivedFrom.String(),
			"data":         string(m.Data),
		})
	}
}

func (p *PubSub) Publish(ctx context.Context, name string, data []byte) (string, error) {
	p.mu.Lock()
	j, ok := p.topics[name]
	p.mu.Unlock()
	var t *pubsub.Topic
	if ok {
		t = j.topic
	} else {
		var err error
		if t, err = p.ps.Join(name); err != nil {
			return "", fmt.Errorf("join %s: %w", name, err)
		}
	}
	// the message id is the one the tracer sees leave: from ++ seqno, read back by data
	id := make(chan string, 1)
	p.tracer.expectPublish(data, id)
	if err := t.Publish(ctx, data); err != nil {
		return "", err
	}
	select {
	case s := <-id:
		return s, nil
	case <-time.After(time.Second):
		return "", nil
	}
}

func (p *PubSub) Mesh(name string) []string {
	var ids []string
	for _, id := range p.ps.ListPeers(name) {
		ids = append(ids, id.String())
	}
	return ids
}

// ScoreDetails is every peer's score snapshot (each component), by peer id.
func (p *PubSub) ScoreDetails() map[string]pubsub.PeerScoreSnapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := make(map[string]pubsub.PeerScoreSnapshot, len(p.scores))
	for id, v := range p.scores {
		s[id.String()] = *v
	}
	return s
}
