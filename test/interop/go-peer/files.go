package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	mh "github.com/multiformats/go-multihash"
)

const (
	filesProtocol   = "/gossipd/files/1.0.0"
	chunkSize       = 256 * 1024
	maxRequestBytes = 4 * 1024
	// an answer header is a short JSON object; 4 KiB leaves room for 16 peer ids
	maxHeaderBytes   = 4 * 1024
	maxManifestBytes = 8 << 20
	maxChunkBytes    = 4 << 20
	codecJSON        = 0x0200
	filesIdle        = 60 * time.Second
)

// manifest: keys in exactly this order, as docs/PROTOCOLS.md requires, so every node derives the same bytes.
type manifest struct {
	Version   int      `json:"version"`
	Name      string   `json:"name"`
	Size      int      `json:"size"`
	ChunkSize int      `json:"chunkSize"`
	Hash      string   `json:"hash"`
	Chunks    []string `json:"chunks"`
}

type sharedFile struct {
	manifest []byte
	m        manifest
	data     []byte
}

type fileRequest struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Index *int   `json:"index,omitempty"`
}

type fileAnswer struct {
	Status  string   `json:"status"`
	Length  int      `json:"length,omitempty"`
	Peers   []string `json:"peers,omitempty"`
	Code    string   `json:"code,omitempty"`
	Message string   `json:"message,omitempty"`
}

// Files serves /gossipd/files/1.0.0 from memory and fetches files from other peers with it.
type Files struct {
	h   host.Host
	dir string
	mu  sync.Mutex
	all map[string]*sharedFile
}

func NewFiles(h host.Host, dir string) *Files {
	f := &Files{h: h, dir: dir, all: map[string]*sharedFile{}}
	h.SetStreamHandler(filesProtocol, f.handle)
	return f
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func encodeManifest(m manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func fileID(manifestBytes []byte) (cid.Cid, error) {
	h, err := mh.Sum(manifestBytes, mh.SHA2_256, -1)
	if err != nil {
		return cid.Undef, err
	}
	return cid.NewCidV1(codecJSON, h), nil
}

// Share holds data under name and returns its file id.
func (f *Files) Share(name string, data []byte) (string, error) {
	m := manifest{Version: 1, Name: name, Size: len(data), ChunkSize: chunkSize, Hash: sha256Hex(data), Chunks: []string{}}
	for off := 0; off < len(data); off += chunkSize {
		m.Chunks = append(m.Chunks, sha256Hex(data[off:min(off+chunkSize, len(data))]))
	}
	mb, err := encodeManifest(m)
	if err != nil {
		return "", err
	}
	c, err := fileID(mb)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	f.all[c.String()] = &sharedFile{manifest: mb, m: m, data: data}
	f.mu.Unlock()
	return c.String(), nil
}

// Unshare forgets a file.
func (f *Files) Unshare(id string) {
	f.mu.Lock()
	delete(f.all, id)
	f.mu.Unlock()
}

// Provide announces a shared file in the DHT, as gossipd does, so downloaders find this peer.
func (f *Files) Provide(ctx context.Context, kad *dht.IpfsDHT, id string) error {
	c, err := cid.Decode(id)
	if err != nil {
		return err
	}
	return kad.Provide(ctx, c, true)
}

func (f *Files) handle(s network.Stream) {
	defer s.Close()
	r := bufio.NewReader(s)
	for {
		_ = s.SetReadDeadline(time.Now().Add(filesIdle))
		raw, err := readFrame(r, maxRequestBytes)
		if err != nil {
			return
		}
		var req fileRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			_ = f.answerError(s, "bad-request", "not JSON")
			return
		}
		if !f.answer(s, req) {
			return
		}
	}
}

func (f *Files) answerError(s network.Stream, code, msg string) error {
	b, _ := json.Marshal(fileAnswer{Status: "error", Code: code, Message: msg})
	return writeFrame(s, b)
}

func (f *Files) answerOK(s network.Stream, payload []byte) error {
	b, _ := json.Marshal(fileAnswer{Status: "ok", Length: len(payload)})
	if err := writeFrame(s, b); err != nil {
		return err
	}
	return writeFrame(s, payload)
}

// answer serves one request; false ends the stream.
func (f *Files) answer(s network.Stream, req fileRequest) bool {
	f.mu.Lock()
	file := f.all[req.ID]
	f.mu.Unlock()
	if req.Type != "manifest" && req.Type != "chunk" && req.Type != "have" {
		_ = f.answerError(s, "bad-request", "unknown request type")
		return false
	}
	if file == nil {
		return f.answerError(s, "not-found", "no file "+req.ID) == nil
	}
	switch req.Type {
	case "manifest":
		return f.answerOK(s, file.manifest) == nil
	case "have":
		bits := make([]byte, (len(file.m.Chunks)+7)/8)
		for i := range file.m.Chunks {
			bits[i/8] |= 0x80 >> (i % 8)
		}
		return f.answerOK(s, bits) == nil
	default:
		if req.Index == nil || *req.Index < 0 || *req.Index >= len(file.m.Chunks) {
			return f.answerError(s, "not-found", "no such chunk") == nil
		}
		off := *req.Index * chunkSize
		return f.answerOK(s, file.data[off:min(off+chunkSize, len(file.data))]) == nil
	}
}

func request(w *bufio.Writer, r *bufio.Reader, req fileRequest, max uint64) ([]byte, error) {
	b, _ := json.Marshal(req)
	if err := writeFrame(w, b); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	head, err := readFrame(r, maxHeaderBytes)
	if err != nil {
		return nil, err
	}
	var ans fileAnswer
	if err := json.Unmarshal(head, &ans); err != nil {
		return nil, fmt.Errorf("answer header is not JSON: %w", err)
	}
	if ans.Status != "ok" {
		return nil, fmt.Errorf("%s: %s", ans.Code, ans.Message)
	}
	payload, err := readFrame(r, max)
	if err != nil {
		return nil, err
	}
	if len(payload) != ans.Length {
		return nil, fmt.Errorf("payload of %d bytes, header said %d", len(payload), ans.Length)
	}
	return payload, nil
}

// fetchStreams: streams a download opens to its peer, each asking for every fourth chunk, as gossipd opens 4 per
// provider (FILES_STREAMS_PER_PEER), so a transfer benchmark compares like with like.
const fetchStreams = 4

// Fetch downloads a file from one peer, checking the manifest against its id and every chunk against the
// manifest, and writes it under the files directory.
func (f *Files) Fetch(ctx context.Context, from peer.ID, id string) (any, error) {
	started := time.Now()
	want, err := cid.Decode(id)
	if err != nil {
		return nil, err
	}
	open := func() (network.Stream, *bufio.Writer, *bufio.Reader, error) {
		s, err := f.h.NewStream(ctx, from, filesProtocol)
		if err != nil {
			return nil, nil, nil, err
		}
		if dl, ok := ctx.Deadline(); ok {
			_ = s.SetDeadline(dl)
		}
		return s, bufio.NewWriter(s), bufio.NewReader(s), nil
	}
	s, w, r, err := open()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	mb, err := request(w, r, fileRequest{Type: "manifest", ID: id}, maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	got, err := fileID(mb)
	if err != nil || !got.Equals(want) {
		return nil, fmt.Errorf("manifest does not hash to %s", id)
	}
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("manifest is not JSON: %w", err)
	}
	if m.ChunkSize <= 0 || len(m.Chunks) != (m.Size+m.ChunkSize-1)/m.ChunkSize {
		return nil, fmt.Errorf("manifest chunks do not match its size")
	}
	data := make([]byte, m.Size)
	errs := make(chan error, fetchStreams)
	for k := 0; k < fetchStreams; k++ {
		go func(k int) {
			st, sw, sr := s, w, r
			if k > 0 {
				var err error
				if st, sw, sr, err = open(); err != nil {
					errs <- err
					return
				}
				defer st.Close()
			}
			for i := k; i < len(m.Chunks); i += fetchStreams {
				idx := i
				chunk, err := request(sw, sr, fileRequest{Type: "chunk", ID: id, Index: &idx}, maxChunkBytes)
				if err != nil {
					errs <- fmt.Errorf("chunk %d: %w", i, err)
					return
				}
				if sha256Hex(chunk) != m.Chunks[i] {
					errs <- fmt.Errorf("chunk %d does not match the manifest", i)
					return
				}
				copy(data[i*m.ChunkSize:], chunk)
			}
			errs <- nil
		}(k)
	}
	for k := 0; k < fetchStreams; k++ {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	if sha256Hex(data) != m.Hash {
		return nil, fmt.Errorf("file does not match the manifest's hash")
	}
	ms := time.Since(started).Milliseconds()
	path := filepath.Join(f.dir, id)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, err
	}
	return map[string]any{"name": m.Name, "size": m.Size, "sha256": m.Hash, "path": path, "ms": ms}, nil
}
