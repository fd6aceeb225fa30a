// Command go-peer is a go-libp2p node for gossipd's interoperability tests: TCP, Noise, Yamux, identify, ping,
// kad-dht under gossipd's protocol id, gossipsub (StrictSign) with peer scoring, and gossipd's direct-message and
// file protocols written from docs/PROTOCOLS.md. A test drives it with one JSON command per stdin line and reads
// one JSON answer or event per stdout line (see control.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// Peer is everything one go-peer process runs.
type Peer struct {
	ctx    context.Context
	host   host.Host
	dht    *dht.IpfsDHT
	pubsub *PubSub
	dm     *DirectMessages
	files  *Files
	gater  *cutoffGater
	out    *Output
}

func main() {
	listen := flag.String("listen", "/ip4/127.0.0.1/tcp/0", "multiaddr to listen on")
	bootstrap := flag.String("bootstrap", "", "comma-separated multiaddrs (with /p2p/) to join through")
	dhtPrefix := flag.String("dht-prefix", "/gossipd", "kad-dht protocol prefix: /gossipd gives /gossipd/kad/1.0.0")
	filesDir := flag.String("files-dir", os.TempDir(), "where fetched files are written")
	heartbeat := flag.Duration("heartbeat", time.Second, "gossipsub heartbeat interval")
	historyGossip := flag.Int("history-gossip", 5, "heartbeats of message ids announced in IHAVE")
	nick := flag.String("nick", "go-peer", "name sent with direct messages")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	out := NewOutput(os.Stdout)

	key, _, err := crypto.GenerateEd25519Key(nil)
	must(err)
	gater := &cutoffGater{}
	h, err := libp2p.New(
		libp2p.Identity(key),
		libp2p.ListenAddrStrings(*listen),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ConnectionGater(gater),
		// a test swarm on one machine opens more streams per peer than the default limits expect
		libp2p.ResourceManager(&network.NullResourceManager{}),
		libp2p.UserAgent("gossipd-interop/go-peer"),
		libp2p.Ping(true),
	)
	must(err)

	var boot []peer.AddrInfo
	for _, s := range strings.Split(*bootstrap, ",") {
		if s == "" {
			continue
		}
		ai, err := peer.AddrInfoFromString(s)
		must(err)
		boot = append(boot, *ai)
	}
	kad, err := dht.New(h,
		dht.ProtocolPrefix(protocol.ID(*dhtPrefix)),
		// a private swarm has no public addresses: a client-mode node would never serve the table
		dht.Mode(dht.ModeServer),
		// keep loopback and private addresses, the only ones a test swarm has
		dht.AddressFilter(func(a []ma.Multiaddr) []ma.Multiaddr { return a }),
		dht.BootstrapPeers(boot...),
	)
	must(err)

	p := &Peer{ctx: ctx, host: h, dht: kad, gater: gater, out: out}
	p.pubsub, err = NewPubSub(ctx, h, out, *heartbeat, *historyGossip)
	must(err)
	p.dm = NewDirectMessages(h, out, *nick)
	p.files = NewFiles(h, *filesDir)

	if len(boot) > 0 {
		go join(ctx, h, kad, boot)
	}

	out.Event("ready", map[string]any{"peerId": h.ID().String(), "addrs": addrStrings(h)})
	go p.serveControl(os.Stdin)
	<-ctx.Done()
	_ = h.Close()
}

// joinRetry: how soon a peer that has no DHT peer yet dials the bootstrap again (a loaded machine can time out
// the first handshake).
const joinRetry = 2 * time.Second

// join dials the bootstrap peers and fills the DHT routing table from them, again and again until the table
// holds a peer.
func join(ctx context.Context, h host.Host, kad *dht.IpfsDHT, boot []peer.AddrInfo) {
	for ctx.Err() == nil && kad.RoutingTable().Size() == 0 {
		for _, ai := range boot {
			cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			if err := h.Connect(cctx, ai); err != nil {
				fmt.Fprintf(os.Stderr, "bootstrap %s: %v\n", ai.ID, err)
			}
			cancel()
		}
		_ = kad.Bootstrap(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(joinRetry):
		}
	}
}

func addrStrings(h host.Host) []string {
	var addrs []string
	for _, a := range h.Addrs() {
		addrs = append(addrs, a.String())
	}
	return addrs
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fatal:", err)
		os.Exit(1)
	}
}
