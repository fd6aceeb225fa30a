package main

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// cutoffGater refuses every connection, both ways, until a set time: the test's way to cut a peer off the swarm.
type cutoffGater struct {
	mu    sync.Mutex
	until time.Time
}

func (g *cutoffGater) cutOff(d time.Duration) {
	g.mu.Lock()
	g.until = time.Now().Add(d)
	g.mu.Unlock()
}

func (g *cutoffGater) open() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Now().After(g.until)
}

func (g *cutoffGater) InterceptPeerDial(peer.ID) bool               { return g.open() }
func (g *cutoffGater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return g.open() }
func (g *cutoffGater) InterceptAccept(network.ConnMultiaddrs) bool  { return g.open() }
func (g *cutoffGater) InterceptSecured(network.Direction, peer.ID, network.ConnMultiaddrs) bool {
	return g.open()
}
func (g *cutoffGater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return g.open(), 0
}
