//! A rust-libp2p node for gossipd's interoperability tests: TCP, Noise, Yamux, identify, ping, kad under
//! gossipd's protocol id (server mode) and gossipsub with strict signing. Its message ids are go-libp2p-pubsub's
//! default, the `from` peer id bytes followed by the 8-byte big-endian seqno, not rust-libp2p's default (base58 peer
//! id ++ decimal seqno), so IHAVE, IWANT and IDONTWANT ids match across implementations.
//!
//! A test drives it with one JSON command per stdin line, `{"id": 1, "cmd": "publish", ...}`, and reads one JSON
//! answer (`{"id": 1, "ok": true, "result": ...}`) or event (`{"event": "message", ...}`) per stdout line.

mod control;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use base64::Engine;
use futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity, MessageId, ValidationMode};
use libp2p::kad::{self, store::MemoryStore};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{identify, identity, noise, ping, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;

use control::{out, Command};

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    kad: kad::Behaviour<MemoryStore>,
    gossipsub: gossipsub::Behaviour,
}

/// go-libp2p-pubsub's default message id: the author's peer id bytes, then the seqno as it travels (8 bytes,
/// big-endian).
fn go_message_id(m: &gossipsub::Message) -> MessageId {
    let mut id = m.source.map(|p| p.to_bytes()).unwrap_or_default();
    id.extend_from_slice(&m.sequence_number.unwrap_or_default().to_be_bytes());
    MessageId::from(id)
}

fn id_text(id: &MessageId) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&id.0)
}

/// Scoring as gossipd's (src/node/gossip-scoring.ts): IP colocation off, since a test swarm shares one address.
fn score_params() -> gossipsub::PeerScoreParams {
    gossipsub::PeerScoreParams {
        ip_colocation_factor_weight: 0.0,
        topic_score_cap: 10.0,
        // a loaded test machine makes every peer slow now and then; that is not what this peer tests
        slow_peer_weight: 0.0,
        ..Default::default()
    }
}

fn topic_score_params() -> gossipsub::TopicScoreParams {
    gossipsub::TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.01,
        time_in_mesh_quantum: Duration::from_secs(1),
        time_in_mesh_cap: 300.0,
        first_message_deliveries_weight: 1.0,
        first_message_deliveries_decay: 0.9,
        first_message_deliveries_cap: 10.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        invalid_message_deliveries_weight: -10.0,
        invalid_message_deliveries_decay: 0.99,
        ..Default::default()
    }
}

struct Options {
    listen: Multiaddr,
    bootstrap: Vec<Multiaddr>,
    kad_protocol: String,
    heartbeat: Duration,
    history_gossip: usize,
}

fn options() -> Options {
    let mut o = Options {
        listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        bootstrap: vec![],
        kad_protocol: "/gossipd/kad/1.0.0".into(),
        heartbeat: Duration::from_secs(1),
        history_gossip: 5,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        let v = &args[i + 1];
        match args[i].as_str() {
            "--listen" => o.listen = v.parse().expect("--listen: a multiaddr"),
            "--bootstrap" => {
                o.bootstrap = v.split(',').filter(|s| !s.is_empty()).map(|s| s.parse().expect("--bootstrap: multiaddrs")).collect()
            }
            "--kad-protocol" => o.kad_protocol = v.clone(),
            "--heartbeat-ms" => o.heartbeat = Duration::from_millis(v.parse().expect("--heartbeat-ms: a number")),
            "--history-gossip" => o.history_gossip = v.parse().expect("--history-gossip: a number"),
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    o
}

/// A command that waits for the network: answered when its kad query ends.
enum Pending {
    /// `tries`: lookups started for this command so far (see `FIND_PEER_TRIES`).
    FindPeer { id: u64, target: PeerId, tries: u32 },
}

/// Lookups one findPeer may start. rust-libp2p's closest-peers query returns only peers that answered it, so a
/// target that was named by others but was slow to answer itself (a loaded machine) ends the query without it;
/// go-libp2p's FindPeer would have taken the address it was named with. One more lookup asks again.
const FIND_PEER_TRIES: u32 = 2;

struct State {
    pending: HashMap<kad::QueryId, Pending>,
    cut_off_until: Option<Instant>,
    kad_protocol: StreamProtocol,
    topics: HashSet<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options();
    let key = identity::Keypair::generate_ed25519();
    let kad_protocol = StreamProtocol::try_from_owned(o.kad_protocol.clone())?;
    let gs_config = gossipsub::ConfigBuilder::default()
        .validation_mode(ValidationMode::Strict)
        .message_id_fn(go_message_id)
        .heartbeat_interval(o.heartbeat)
        .history_gossip(o.history_gossip)
        .history_length(o.history_gossip.max(5) * 2)
        .flood_publish(true)
        .build()?;
    let kp = kad_protocol.clone();
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)?
        .with_behaviour(move |key| {
            let id = key.public().to_peer_id();
            let mut gossipsub = gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), gs_config)?;
            gossipsub.with_peer_score(score_params(), gossipsub::PeerScoreThresholds {
                gossip_threshold: -10.0,
                publish_threshold: -50.0,
                graylist_threshold: -80.0,
                ..Default::default()
            })?;
            let mut kad = kad::Behaviour::with_config(id, MemoryStore::new(id), kad::Config::new(kp));
            // a private swarm has no public addresses: a client-mode node would never serve the table
            kad.set_mode(Some(kad::Mode::Server));
            Ok(Behaviour {
                identify: identify::Behaviour::new(
                    identify::Config::new("ipfs/0.1.0".into(), key.public())
                        .with_agent_version("gossipd-interop/rust-peer".into()),
                ),
                ping: ping::Behaviour::new(ping::Config::new()),
                kad,
                gossipsub,
            })
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(120)))
        .build();
    swarm.listen_on(o.listen.clone())?;

    let mut st = State { pending: HashMap::new(), cut_off_until: None, kad_protocol, topics: HashSet::new() };
    let mut ready = false;
    let mut bootstrapped = o.bootstrap.is_empty();
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    // a loaded machine can time out the first handshake: dial the bootstrap again while the routing table is empty
    let mut join_retry = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = join_retry.tick(), if !o.bootstrap.is_empty() => {
                if swarm.behaviour_mut().kad.kbuckets().all(|b| b.num_entries() == 0) {
                    for addr in &o.bootstrap {
                        let _ = swarm.dial(addr.clone());
                    }
                    bootstrapped = false;
                }
            },
            line = lines.next_line(), if stdin_open => match line {
                Ok(Some(l)) => match serde_json::from_str::<Command>(&l) {
                    Ok(c) => command(&mut swarm, &mut st, c),
                    Err(e) => out(json!({"ok": false, "error": format!("bad command: {e}")})),
                },
                _ => { stdin_open = false; break }
            },
            ev = swarm.select_next_some() => {
                if let SwarmEvent::NewListenAddr { .. } = &ev {
                    if !ready {
                        ready = true;
                        out(json!({"event": "ready", "peerId": swarm.local_peer_id().to_string(), "addrs": listen_addrs(&swarm)}));
                    }
                }
                let identified = matches!(&ev, SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { .. })));
                event(&mut swarm, &mut st, ev);
                // join the DHT once the first peer (the bootstrap, on identify) is in the routing table
                if identified && !bootstrapped {
                    bootstrapped = swarm.behaviour_mut().kad.bootstrap().is_ok();
                }
            }
        }
    }
    let _ = stdin_open;
    Ok(())
}

fn listen_addrs(swarm: &Swarm<Behaviour>) -> Vec<String> {
    swarm.listeners().map(|a| a.to_string()).collect()
}

fn event(swarm: &mut Swarm<Behaviour>, st: &mut State, ev: SwarmEvent<BehaviourEvent>) {
    match ev {
        SwarmEvent::ConnectionEstablished { peer_id, .. } => {
            if st.cut_off_until.is_some_and(|t| Instant::now() < t) {
                let _ = swarm.disconnect_peer_id(peer_id);
            }
        }
        SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. })) => {
            // peers that serve gossipd's kad protocol enter the routing table, at the addresses they listen on
            if info.protocols.contains(&st.kad_protocol) {
                for a in info.listen_addrs {
                    swarm.behaviour_mut().kad.add_address(&peer_id, a);
                }
            }
        }
        SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message { propagation_source, message_id, message })) => {
            out(json!({
                "event": "message",
                "topic": message.topic.to_string(),
                "msgId": id_text(&message_id),
                "from": message.source.map(|p| p.to_string()),
                "receivedFrom": propagation_source.to_string(),
                "data": String::from_utf8_lossy(&message.data),
            }));
        }
        SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed { id, result, step, .. })) => {
            if let kad::QueryResult::GetClosestPeers(r) = result {
                let Some(Pending::FindPeer { id: cmd, target, tries }) = st.pending.get(&id) else { return };
                let (cmd, target, tries) = (*cmd, *target, *tries);
                let (peers, timed_out) = match r {
                    Ok(ok) => (ok.peers, false),
                    Err(kad::GetClosestPeersError::Timeout { peers, .. }) => (peers, true),
                };
                let answered = peers.len();
                if let Some(p) = peers.into_iter().find(|p| p.peer_id == target) {
                    st.pending.remove(&id);
                    let addrs: Vec<String> = p.addrs.iter().map(|a| a.to_string()).collect();
                    out(json!({"id": cmd, "ok": true, "result": {"peerId": target.to_string(), "addrs": addrs}}));
                } else if step.last {
                    st.pending.remove(&id);
                    if tries < FIND_PEER_TRIES {
                        eprintln!("findPeer {target}: lookup {tries} ended without it ({answered} peers answered, timed out: {timed_out}); looking again");
                        let q = swarm.behaviour_mut().kad.get_closest_peers(target);
                        st.pending.insert(q, Pending::FindPeer { id: cmd, target, tries: tries + 1 });
                    } else {
                        out(json!({"id": cmd, "ok": false, "error": format!("{target} not found after {tries} lookups (last: {answered} peers answered, timed out: {timed_out})")}));
                    }
                }
            }
        }
        _ => {}
    }
}

fn command(swarm: &mut Swarm<Behaviour>, st: &mut State, c: Command) {
    let id = c.id;
    let answer = |r: Result<Value, String>| match r {
        Ok(v) => out(json!({"id": id, "ok": true, "result": v})),
        Err(e) => out(json!({"id": id, "ok": false, "error": e})),
    };
    match c.cmd.as_str() {
        "info" => answer(Ok(json!({"peerId": swarm.local_peer_id().to_string(), "addrs": listen_addrs(swarm)}))),
        "connect" => answer(
            c.addr
                .parse::<Multiaddr>()
                .map_err(|e| e.to_string())
                .and_then(|a| swarm.dial(a).map_err(|e| e.to_string()))
                .map(|_| Value::Null),
        ),
        "peers" => {
            let peers: Vec<String> = swarm.connected_peers().map(|p| p.to_string()).collect();
            answer(Ok(json!(peers)))
        }
        "routingTable" => {
            let mut ids = vec![];
            for b in swarm.behaviour_mut().kad.kbuckets() {
                for e in b.iter() {
                    ids.push(e.node.key.preimage().to_string());
                }
            }
            answer(Ok(json!(ids)))
        }
        "findPeer" => match c.peer.parse::<PeerId>() {
            Ok(target) => {
                let q = swarm.behaviour_mut().kad.get_closest_peers(target);
                st.pending.insert(q, Pending::FindPeer { id, target, tries: 1 });
            }
            Err(e) => answer(Err(e.to_string())),
        },
        "subscribe" => {
            let t = IdentTopic::new(c.topic.clone());
            let gs = &mut swarm.behaviour_mut().gossipsub;
            let r = gs
                .subscribe(&t)
                .map_err(|e| e.to_string())
                .and_then(|_| gs.set_topic_params(t, topic_score_params()).map_err(|e| e.to_string()));
            st.topics.insert(c.topic);
            answer(r.map(|_| Value::Null))
        }
        "unsubscribe" => {
            swarm.behaviour_mut().gossipsub.unsubscribe(&IdentTopic::new(c.topic.clone()));
            st.topics.remove(&c.topic);
            answer(Ok(Value::Null))
        }
        "publish" => answer(
            swarm
                .behaviour_mut()
                .gossipsub
                .publish(IdentTopic::new(c.topic), c.data.into_bytes())
                .map(|m| json!({"msgId": id_text(&m)}))
                .map_err(|e| e.to_string()),
        ),
        "mesh" => {
            let t = IdentTopic::new(c.topic).hash();
            let mesh: Vec<String> = swarm.behaviour().gossipsub.mesh_peers(&t).map(|p| p.to_string()).collect();
            answer(Ok(json!(mesh)))
        }
        "scores" => {
            let gs = &swarm.behaviour().gossipsub;
            let scores: serde_json::Map<String, Value> =
                gs.all_peers().filter_map(|(p, _)| gs.peer_score(p).map(|s| (p.to_string(), json!(s)))).collect();
            answer(Ok(Value::Object(scores)))
        }
        "disconnect" => answer(
            c.peer
                .parse::<PeerId>()
                .map_err(|e| e.to_string())
                .map(|p| {
                    let _ = swarm.disconnect_peer_id(p);
                    Value::Null
                }),
        ),
        "cutOff" => {
            st.cut_off_until = Some(Instant::now() + Duration::from_millis(c.ms));
            let peers: Vec<PeerId> = swarm.connected_peers().copied().collect();
            for p in peers {
                let _ = swarm.disconnect_peer_id(p);
            }
            answer(Ok(Value::Null))
        }
        other => answer(Err(format!("unknown command {other:?}"))),
    }
}
