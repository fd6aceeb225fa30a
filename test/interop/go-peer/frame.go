package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// Frames as docs/PROTOCOLS.md gives them for every gossipd protocol: an unsigned varint length, then the bytes.

func readFrame(r *bufio.Reader, max uint64) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, fmt.Errorf("frame of %d bytes is over the limit of %d", n, max)
	}
	buf := make([]byte, n)
	_, err = io.ReadFull(r, buf)
	return buf, err
}

func writeFrame(w io.Writer, b []byte) error {
	head := binary.AppendUvarint(nil, uint64(len(b)))
	_, err := w.Write(append(head, b...))
	return err
}
